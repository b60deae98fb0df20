/**
 * SCP attachments (Huawei Organizations service control policies) on the roots, OUs and member accounts of an
 * organization: the SCP switch of the organization, attaching and detaching, listing. The rules they keep
 * (at least one SCP per node while enabled, at most 5, `system:FullAccess` everywhere on enable) are in
 * store/organizations.ts; the conditional node writes that hold them are store/nodes.ts.
 */
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add, $remove, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { SCP_FULL_ACCESS_ID, systemPolicy } from '../lib/system-policies.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { checkId, type IfMatch, isConditionFailure, nowIso, parseIfMatch, stale } from './common.js';
import { orgBump } from './counters.js';
import { OrgEntity, OrgNodeEntity } from './entities.js';
import { conflict, invalidInput, notFound, StoreError } from './errors.js';
import { policyRef } from './grant-items.js';
import { isSystemPolicyId } from './keys.js';
import { addRefusal, addScp, type NodeItem, type OrgItem, readNode, readOrg, readOrgPartition, removeRefusal, scpAddition, scpRemoval } from './nodes.js';
import { nodeNotFound, orgNotFound, type Organization, requireManagement, toOrganization } from './organizations.js';
import { readPolicyItem } from './policy-items.js';
import { transact, TransactionRefused } from './transact.js';

export { MAX_SCPS_PER_NODE } from './nodes.js';

export interface ScpAttachment {
  org_id: string;
  target_id: string;
  policy_id: string;
  /** The policy's name (absent if the policy no longer exists). */
  name?: string;
  system: boolean;
}

/** Enables SCPs: attaches `system:FullAccess` to every node. Idempotent (re-attaches it where missing). */
export async function enableScp(caller: string, orgId: string, ifMatch?: IfMatch): Promise<Organization> {
  await requireManagement(caller, orgId);
  const org = await setScpSwitch(orgId, true, parseIfMatch(ifMatch));
  const { nodes } = await readOrgPartition(orgId);
  await mapLimit(nodes, 8, async (n) => {
    if (n.scps?.has(SCP_FULL_ACCESS_ID)) return;
    await addScp(orgId, n.node_id, SCP_FULL_ACCESS_ID).catch((err: unknown) => {
      // Gone meanwhile, or already at 5 SCPs (attached by a racing call): nothing to add.
      if (!(err instanceof StoreError)) throw err;
    });
  });
  await transact([orgBump(orgId)]);
  return toOrganization(org);
}

/** Disables SCPs: detaches every SCP from every node. Idempotent. */
export async function disableScp(caller: string, orgId: string, ifMatch?: IfMatch): Promise<Organization> {
  await requireManagement(caller, orgId);
  const org = await setScpSwitch(orgId, false, parseIfMatch(ifMatch));
  const { nodes } = await readOrgPartition(orgId);
  await mapLimit(
    nodes.filter((n) => n.scps?.size),
    8,
    (n) => clearNode(orgId, org.management_account_id, n),
  );
  await transact([orgBump(orgId)]);
  return toOrganization(org);
}

/** Detaches every SCP of a node, with the custom SCPs' reference counts (re-read and retried if the node changes). */
async function clearNode(orgId: string, managementAccount: string, first: NodeItem): Promise<void> {
  let node: NodeItem | undefined = first;
  for (let attempt = 1; node?.scps?.size; attempt++) {
    try {
      await transact([
        OrgNodeEntity.build(UpdateTransaction)
          .item({ org_id: orgId, node_id: node.node_id, scps: $remove(), revision: $add(1), updated_at: nowIso() })
          .options({ condition: { attr: 'revision', eq: node.revision } }),
        ...[...node.scps].filter((p) => !isSystemPolicyId(p)).map((p) => policyRef(managementAccount, p, -1)),
      ]);
      return;
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 10) throw err;
      node = await readNode(orgId, node.node_id);
    }
  }
}

/**
 * Attaches an SCP to a root, OU or member account. SCPs must be enabled (`CONFLICT`); the policy must be
 * `system:FullAccess` or an SCP of the management account (`NOT_FOUND` / `INVALID_INPUT`); at most 5 per
 * node (`CONFLICT`); attaching it twice is `ALREADY_EXISTS`. `ifMatch` is the target node's revision.
 */
export async function attachScp(caller: string, orgId: string, targetId: string, policyId: string, ifMatch?: IfMatch): Promise<ScpAttachment> {
  const org = await requireManagement(caller, orgId);
  checkId(targetId, 'target_id');
  checkId(policyId, 'policy_id');
  const expected = parseIfMatch(ifMatch);
  if (!org.scp_enabled) throw conflict(`SCPs are not enabled in organization ${orgId}: enable them first.`);
  const name = await requireScp(org.management_account_id, policyId);
  // One transaction: the attachment, the organization's counter conditioned on SCPs still being enabled,
  // the policy's reference count conditioned on it still being an SCP.
  try {
    await transact([
      scpAddition(orgId, targetId, policyId, expected),
      OrgEntity.build(UpdateTransaction)
        .item({ org_id: orgId, counter: $add(1) })
        .options({ condition: { attr: 'scp_enabled', eq: true } }),
      !isSystemPolicyId(policyId) && policyRef(org.management_account_id, policyId, 1, { type: 'scp' }),
    ]);
  } catch (err) {
    if (!(err instanceof TransactionRefused)) throw err;
    if (err.at(0)) throw await addRefusal(orgId, targetId, policyId, expected);
    if (err.at(1)) throw conflict(`SCPs were disabled in organization ${orgId} meanwhile.`);
    throw notFound(`Account ${org.management_account_id} has no policy ${policyId}.`);
  }
  return { org_id: orgId, target_id: targetId, policy_id: policyId, name, system: isSystemPolicyId(policyId) };
}

/** Detaches an SCP; refused (`CONFLICT`) when it is the node's last one. `ifMatch` is the node's revision. */
export async function detachScp(caller: string, orgId: string, targetId: string, policyId: string, ifMatch?: IfMatch): Promise<void> {
  const org = await requireManagement(caller, orgId);
  checkId(targetId, 'target_id');
  checkId(policyId, 'policy_id');
  const expected = parseIfMatch(ifMatch);
  const options = expected === undefined ? {} : { revision: expected };
  try {
    await transact([scpRemoval(orgId, { node_id: targetId }, policyId, options), orgBump(orgId), !isSystemPolicyId(policyId) && policyRef(org.management_account_id, policyId, -1)]);
  } catch (err) {
    if (!(err instanceof TransactionRefused)) throw err;
    if (err.at(0)) throw await removeRefusal(orgId, targetId, policyId, options);
    throw err;
  }
}

/** The SCPs attached to a root, OU or member account, by policy id. */
export async function listAttachments(caller: string, orgId: string, targetId: string): Promise<ScpAttachment[]> {
  const org = await requireManagement(caller, orgId);
  checkId(targetId, 'target_id');
  const node = await readNode(orgId, targetId);
  if (!node) throw nodeNotFound(orgId, targetId);
  const ids = [...(node.scps ?? [])].sort();
  return Promise.all(
    ids.map(async (policyId) => {
      const system = isSystemPolicyId(policyId);
      const name = system ? systemPolicy(policyId)?.name : (await readPolicyItem(org.management_account_id, policyId))?.name;
      const a: ScpAttachment = { org_id: orgId, target_id: targetId, policy_id: policyId, system };
      if (name !== undefined) a.name = name;
      return a;
    }),
  );
}

/** The policy name of an attachable SCP. */
async function requireScp(managementAccount: string, policyId: string): Promise<string> {
  if (isSystemPolicyId(policyId)) {
    const sp = systemPolicy(policyId);
    if (!sp) throw notFound(`No policy ${policyId}.`);
    if (sp.type !== 'scp') throw invalidInput(`${policyId} is an identity policy: only SCPs attach to organization nodes.`);
    return sp.name;
  }
  const policy = await readPolicyItem(managementAccount, policyId);
  if (!policy) throw notFound(`Account ${managementAccount} has no policy ${policyId}.`);
  if (policy.type !== 'scp') throw invalidInput(`${policyId} is an identity policy: only SCPs attach to organization nodes.`);
  return policy.name;
}

async function setScpSwitch(orgId: string, enabled: boolean, expected: number | undefined): Promise<OrgItem> {
  try {
    // The switch bumps the counter itself: every later add is conditioned on the switch it reads.
    const { Attributes } = await OrgEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, scp_enabled: enabled, counter: $add(1), revision: $add(1), updated_at: nowIso() })
      .options({ condition: expected === undefined ? { attr: 'org_id', exists: true } : { attr: 'revision', eq: expected }, returnValues: 'ALL_NEW' })
      .send();
    return Attributes as OrgItem;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const now = await readOrg(orgId);
    if (!now) throw orgNotFound(orgId);
    throw stale(`Organization ${orgId}`, expected, now.revision);
  }
}
