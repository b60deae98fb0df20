/**
 * Low-level reads and writes of organization nodes shared by store/organizations.ts,
 * store/scp-attachments.ts and store/policy-deletion.ts (internal). A node's SCPs are the string set `scps` on its item; attach and detach are
 * single conditional UpdateItems, so the "a node keeps at least one SCP" rule holds under concurrency.
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { $add, $delete, $remove, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { isConditionFailure, nowIso, stale } from './common.js';
import { OrgEntity, OrgNodeEntity } from './entities.js';
import { alreadyExists, conflict, notFound, type StoreError } from './errors.js';
import { NODE_SK_PREFIX, orgPk } from './keys.js';
import { PolicyTable } from './table.js';

/** Huawei Organizations: at most 5 SCPs per node. */
export const MAX_SCPS_PER_NODE = 5;

export interface NodeItem {
  org_id: string;
  node_id: string;
  node_type: 'root' | 'ou' | 'account';
  name?: string | undefined;
  parent_id?: string | undefined;
  depth: number;
  child_count: number;
  scps?: Set<string> | undefined;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface OrgItem {
  org_id: string;
  root_id: string;
  management_account_id: string;
  scp_enabled: boolean;
  counter: number;
  revision: number;
  created_at: string;
  updated_at: string;
}

export async function readOrg(orgId: string): Promise<OrgItem | undefined> {
  const { Item } = await OrgEntity.build(GetItemCommand).key({ org_id: orgId }).options({ consistent: true }).send();
  return Item;
}

export async function readNode(orgId: string, nodeId: string): Promise<NodeItem | undefined> {
  const { Item } = await OrgNodeEntity.build(GetItemCommand).key({ org_id: orgId, node_id: nodeId }).options({ consistent: true }).send();
  return Item;
}

/** The org item and every node of the organization: one strongly consistent Query of its partition (paginated). */
export async function readOrgPartition(orgId: string): Promise<{ org: OrgItem | undefined; nodes: NodeItem[] }> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(OrgEntity, OrgNodeEntity)
    .query({ partition: orgPk(orgId) })
    .options({ consistent: true, maxPages: Infinity, showEntityAttr: true })
    .send();
  let org: OrgItem | undefined;
  const nodes: NodeItem[] = [];
  for (const i of Items) {
    if (i.entity === 'Org') org = i as OrgItem;
    else if (i.entity === 'OrgNode') nodes.push(i as NodeItem);
  }
  return { org, nodes };
}

/** The nodes of an organization that have `policyId` attached (strongly consistent, filtered Query). */
export async function scpTargetsOf(orgId: string, policyId: string): Promise<NodeItem[]> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(OrgNodeEntity)
    .query({ partition: orgPk(orgId), range: { beginsWith: NODE_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { OrgNode: { attr: 'scps', contains: policyId } } })
    .send();
  return Items;
}

/**
 * Adds `policyId` to the node's SCPs (condition: the node exists, does not have it, has fewer than 5, and
 * is at `revision` when given). Refusals are classified from a fresh read.
 */
export async function addScp(orgId: string, nodeId: string, policyId: string, revision?: number): Promise<NodeItem> {
  try {
    const { Attributes } = await OrgNodeEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, node_id: nodeId, scps: $add(new Set([policyId])), revision: $add(1), updated_at: nowIso() })
      .options({
        condition: {
          and: [
            revision === undefined ? { attr: 'node_id', exists: true } : { attr: 'revision', eq: revision },
            { or: [{ attr: 'scps', exists: false }, { and: [{ not: { attr: 'scps', contains: policyId } }, { size: 'scps', lt: MAX_SCPS_PER_NODE }] }] },
          ],
        },
        returnValues: 'ALL_NEW',
      })
      .send();
    return Attributes as NodeItem;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const node = await readNode(orgId, nodeId);
    if (!node) throw notFound(`No node ${nodeId} in organization ${orgId}.`);
    if (node.scps?.has(policyId)) throw alreadyExists(`${policyId} is already attached to ${nodeId}.`);
    if ((node.scps?.size ?? 0) >= MAX_SCPS_PER_NODE) throw conflict(`${nodeId} already has ${MAX_SCPS_PER_NODE} SCPs attached, the most a node can have.`);
    throw staleNode(nodeId, revision, node.revision);
  }
}

/**
 * Removes `policyId` from the node's SCPs, refusing to remove the last one (condition
 * `contains(scps, :p) AND size(scps) > 1`, and `revision` when given). `allowLast` drops the size
 * condition (disabling SCPs, removing a node).
 */
export async function removeScp(orgId: string, nodeId: string, policyId: string, options: { revision?: number; allowLast?: boolean } = {}): Promise<NodeItem> {
  const conditions = [{ attr: 'scps', contains: policyId } as const, ...(options.allowLast ? [] : [{ size: 'scps', gt: 1 } as const])];
  try {
    const { Attributes } = await OrgNodeEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, node_id: nodeId, scps: $delete(new Set([policyId])), revision: $add(1), updated_at: nowIso() })
      .options({
        condition: { and: [...conditions, options.revision === undefined ? { attr: 'node_id', exists: true } : { attr: 'revision', eq: options.revision }] },
        returnValues: 'ALL_NEW',
      })
      .send();
    return Attributes as NodeItem;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const node = await readNode(orgId, nodeId);
    if (!node) throw notFound(`No node ${nodeId} in organization ${orgId}.`);
    if (!node.scps?.has(policyId)) throw notFound(`${policyId} is not attached to ${nodeId}.`);
    if (!options.allowLast && node.scps.size <= 1) {
      throw conflict(`${policyId} is the last SCP attached to ${nodeId}: a node always keeps at least one SCP. Attach another SCP first.`, { target_id: nodeId, policy_id: policyId });
    }
    throw staleNode(nodeId, options.revision, node.revision);
  }
}

function staleNode(nodeId: string, expected: number | undefined, current: number): StoreError {
  if (expected !== undefined && expected !== current) return stale(`Node ${nodeId}`, expected, current);
  return conflict(`${nodeId} changed concurrently; try again.`);
}

export async function clearScps(orgId: string, nodeId: string): Promise<void> {
  try {
    await OrgNodeEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, node_id: nodeId, scps: $remove(), revision: $add(1), updated_at: nowIso() })
      .options({ condition: { attr: 'node_id', exists: true } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}
