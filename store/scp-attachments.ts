/**
 * SCP attachments (Huawei Organizations service control policies) on the roots, OUs and member accounts of an
 * organization: the SCP switch of the organization, attaching and detaching, listing. The rules they keep
 * (at least one SCP per node while enabled, at most 5, `system:FullAccess` everywhere on enable) are in
 * store/organizations.ts; the conditional node writes that hold them are store/nodes.ts.
 */
import { $add, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { SCP_FULL_ACCESS_ID, systemPolicy } from '../lib/system-policies.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { checkId, type IfMatch, isConditionFailure, nowIso, parseIfMatch, stale } from './common.js';
import { bumpOrg } from './counters.js';
import { OrgEntity } from './entities.js';
import { conflict, invalidInput, notFound, StoreError } from './errors.js';
import { isSystemPolicyId } from './keys.js';
import { addScp, clearScps, type OrgItem, readNode, readOrg, readOrgPartition, removeScp } from './nodes.js';
import { nodeNotFound, orgNotFound, type Organization, requireManagement, toOrganization } from './organizations.js';
import { readPolicyItem } from './policy-items.js';

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
  await bumpOrg(orgId);
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
    (n) => clearScps(orgId, n.node_id),
  );
  await bumpOrg(orgId);
  return toOrganization(org);
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
  await addScp(orgId, targetId, policyId, expected);
  // Re-check what a concurrent delete/disable may have removed after the checks above (they sweep what
  // they can see; this sees them).
  const [stillOrg, stillPolicy] = await Promise.all([readOrg(orgId), isSystemPolicyId(policyId) ? Promise.resolve(true) : readPolicyItem(org.management_account_id, policyId).then(Boolean)]);
  if (!stillOrg?.scp_enabled || !stillPolicy) {
    await removeScp(orgId, targetId, policyId, { allowLast: !stillOrg?.scp_enabled }).catch(() => undefined);
    await bumpOrg(orgId);
    if (!stillPolicy) throw notFound(`Account ${org.management_account_id} has no policy ${policyId}.`);
    throw conflict(`SCPs were disabled in organization ${orgId} meanwhile.`);
  }
  await bumpOrg(orgId);
  return { org_id: orgId, target_id: targetId, policy_id: policyId, name, system: isSystemPolicyId(policyId) };
}

/** Detaches an SCP; refused (`CONFLICT`) when it is the node's last one. `ifMatch` is the node's revision. */
export async function detachScp(caller: string, orgId: string, targetId: string, policyId: string, ifMatch?: IfMatch): Promise<void> {
  await requireManagement(caller, orgId);
  checkId(targetId, 'target_id');
  checkId(policyId, 'policy_id');
  const expected = parseIfMatch(ifMatch);
  await removeScp(orgId, targetId, policyId, expected === undefined ? {} : { revision: expected });
  await bumpOrg(orgId);
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
    const { Attributes } = await OrgEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, scp_enabled: enabled, revision: $add(1), updated_at: nowIso() })
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

