/**
 * Seeds the local table through the storage module (so everything is validated like any write):
 *  - account `acc-1`: the example policies, users alice (group image-admins) and bob (group viewers), an
 *    agency, and grants with each kind of scope;
 *  - account `acc-0`: the management account of organization o-*, with the path root -> ou "prod" ->
 *    ou "eu" -> ou "team-a" -> acc-1, SCPs enabled (FullAccess everywhere) and the SCP "deny unencrypted
 *    copies" attached at ou "eu".
 * Idempotent: what already exists is left as is (the organization is created once).
 *
 *   node --import tsx infra/local/seed.ts      (DYNAMODB_ENDPOINT / POLICY_TABLE, defaults: the local DynamoDB)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger, plainText } from '../../lib/util/logger.js';
import { resetClient } from '../../store/client.js';
import {
  acceptInvitation,
  addMember,
  attachScp,
  createAgency,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createUser,
  enableScp,
  getOrganization,
  inviteAccount,
  listChildren,
  listUserGroups,
  StoreError,
  type CreatePolicyInput,
  type GrantScope,
} from '../../store/index.js';
import { readStamp } from '../../store/counters.js';
import { DEFAULT_DYNAMODB_PORT } from './ports.js';
import { LOCAL_TABLE_NAME } from './table.js';

export const EXAMPLE_ACCOUNT = 'acc-1';
export const MANAGEMENT_ACCOUNT = 'acc-0';
/** An image id of the examples in the form IMS issues (a lowercase UUID): the IMS authorizer refuses others. */
export const EXAMPLE_IMAGE_ID = '6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60';

const example = (path: string): string => readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8');

/** The example policies (the documents of examples/, as text, so their spans survive). */
export function examplePolicies(): CreatePolicyInput[] {
  return [
    {
      account_id: EXAMPLE_ACCOUNT,
      policy_id: 'ims-full-access',
      name: 'IMS FullAccess',
      description: 'All IMS actions (1.1 fine-grained policy).',
      document: example('policies/ims-full-access.json'),
    },
    {
      account_id: EXAMPLE_ACCOUNT,
      policy_id: 'deny-delete',
      name: 'Deny image deletion',
      description: 'The documented "deny delete" policy: with IMS FullAccess, everything but deleting images.',
      document: example('policies/deny-delete.json'),
    },
    {
      account_id: EXAMPLE_ACCOUNT,
      policy_id: 'ims-readonly',
      name: 'IMS ReadOnlyAccess',
      description: 'Read-only IMS access (1.1 fine-grained policy).',
      document: '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:*:get*","ims:*:list*"]}]}',
    },
    {
      account_id: EXAMPLE_ACCOUNT,
      policy_id: 'share-within-org',
      name: 'Share images within the organization',
      description: 'IAM 5.0: read images, share them only with accounts of organization o-1.',
      document: example('policies/share-within-org.json'),
    },
    {
      account_id: MANAGEMENT_ACCOUNT,
      policy_id: 'deny-unencrypted-copy',
      name: 'Deny unencrypted copies',
      type: 'scp',
      description: 'SCP: no in-region copies of unencrypted images.',
      document: example('scps/deny-unencrypted-copy.json'),
    },
  ];
}

export interface SeedResult {
  created: string[];
  existing: string[];
  org_id: string;
  /** The OU path of acc-1, outermost first (root, prod, eu, team-a). */
  path: string[];
}

/** Runs a create; an "already exists" answer counts as done. */
async function ensure(what: string, result: SeedResult, create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
    result.created.push(what);
  } catch (err) {
    if (err instanceof StoreError && (err.code === 'POLICY_EXISTS' || err.code === 'ALREADY_EXISTS')) result.existing.push(what);
    else throw err;
  }
}

async function seedPrincipals(result: SeedResult): Promise<void> {
  const a = EXAMPLE_ACCOUNT;
  await ensure('user alice', result, () => createUser(a, { user_id: 'alice', name: 'Alice' }));
  await ensure('user bob', result, () => createUser(a, { user_id: 'bob', name: 'Bob' }));
  await ensure('group image-admins', result, () => createGroup(a, { group_id: 'image-admins', name: 'Image administrators' }));
  await ensure('group viewers', result, () => createGroup(a, { group_id: 'viewers', name: 'Image viewers' }));
  const member = async (groupId: string, userId: string): Promise<void> => {
    const what = `${userId} in ${groupId}`;
    if ((await listUserGroups(a, userId)).some((m) => m.group_id === groupId)) result.existing.push(what);
    else await ensure(what, result, () => addMember(a, groupId, userId));
  };
  await member('image-admins', 'alice');
  await member('viewers', 'bob');
  await ensure('agency ims-copy', result, () => createAgency(a, { agency_id: 'ims-copy', name: 'IMS copy agency' }));
  const grant = (policy_id: string, type: 'user' | 'group' | 'agency', id: string, scope: GrantScope) =>
    ensure(`grant ${policy_id} to ${type} ${id}`, result, () => createGrant(a, { policy_id, principal: { type, id }, scope }));
  await grant('ims-full-access', 'group', 'image-admins', { type: 'all_projects' });
  await grant('deny-delete', 'group', 'image-admins', { type: 'project', project: 'cn-north-4' });
  await grant('system:IMS-ReadOnlyAccess', 'group', 'viewers', { type: 'project', project: 'cn-north-4' });
  await grant('system:IMS-Administrator', 'agency', 'ims-copy', { type: 'enterprise_project', enterprise_project_id: 'ep-1' });
}

/** The organization of the management account, created once: root -> prod -> eu -> team-a -> acc-1. */
async function seedOrganization(result: SeedResult): Promise<void> {
  const m = MANAGEMENT_ACCOUNT;
  const existing = (await readStamp(m)).account.org_id;
  if (existing) {
    result.existing.push(`organization ${existing}`);
    result.org_id = existing;
    const root = (await getOrganization(m, existing)).root_id;
    result.path = [root];
    let parent = root;
    for (const name of ['prod', 'eu', 'team-a']) {
      const child = (await listChildren(m, existing, parent)).items.find((n) => n.name === name);
      if (!child) break;
      result.path.push(child.node_id);
      parent = child.node_id;
    }
    return;
  }
  const org = await createOrganization(m);
  result.created.push(`organization ${org.org_id}`);
  result.org_id = org.org_id;
  const prod = await createOu(m, org.org_id, { parent_id: org.root_id, name: 'prod' });
  const eu = await createOu(m, org.org_id, { parent_id: prod.node_id, name: 'eu' });
  const team = await createOu(m, org.org_id, { parent_id: eu.node_id, name: 'team-a' });
  await inviteAccount(m, org.org_id, { account_id: EXAMPLE_ACCOUNT, parent_id: team.node_id });
  await acceptInvitation(EXAMPLE_ACCOUNT, org.org_id);
  await enableScp(m, org.org_id);
  await attachScp(m, org.org_id, eu.node_id, 'deny-unencrypted-copy');
  result.path = [org.root_id, prod.node_id, eu.node_id, team.node_id];
}

/** Writes the examples into the table at `endpoint` (points the store at it first). */
export async function seedExamples(target: { endpoint: string; tableName: string }): Promise<SeedResult> {
  process.env.DYNAMODB_ENDPOINT = target.endpoint;
  process.env.POLICY_TABLE = target.tableName;
  resetClient();
  const result: SeedResult = { created: [], existing: [], org_id: '', path: [] };
  for (const p of examplePolicies()) await ensure(`policy ${p.policy_id}`, result, () => createPolicy(p));
  await seedPrincipals(result);
  await seedOrganization(result);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = new Logger('seed', undefined, plainText);
  const endpoint = process.env.DYNAMODB_ENDPOINT || `http://127.0.0.1:${process.env.DYNAMODB_PORT || DEFAULT_DYNAMODB_PORT}`;
  const tableName = process.env.POLICY_TABLE || LOCAL_TABLE_NAME;
  seedExamples({ endpoint, tableName })
    .then((r) => log.info(`seeded ${endpoint} ${tableName}: created ${r.created.join(', ') || 'none'}; already there: ${r.existing.join(', ') || 'none'}`))
    .catch((err: unknown) => {
      log.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
