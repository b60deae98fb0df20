/**
 * docs/storage.md runs as written: its table "Access patterns" names, for every way the functions use the
 * table, the requests and the round trips it takes; each row is run here against DynamoDB Local (the
 * suite's transactional engine) and the requests it sent through both of the store's clients are counted
 * (test/support/table-calls.ts: counts, never times). A row without a scenario, or a scenario without a
 * row, fails too, so the page and the code cannot drift apart.
 */
import { loadAccount } from '../store/account-reader.js';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clearReferenceCache, referenceEvaluator } from '../functions/shared/reference.js';
import {
  addAccount,
  addMember,
  attachScp,
  createAgency,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createPolicyVersion,
  createUser,
  deleteGrant,
  deleteUser,
  detachScp,
  enableScp,
  moveAccount,
  removeMember,
} from '../store/index.js';
import { listUsage } from '../store/usage-reader.js';
import { createUsageWriter } from '../store/usage-writer.js';
import { recordUsage } from '../store/usage.js';
import { IDENTITY_ALLOW, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';
import { countTableCalls, describeCalls, type TableCalls } from './support/table-calls.js';

useLocalTable('storage-doc');

const page = readFileSync(new URL('../docs/storage.md', import.meta.url), 'utf8');

interface Row {
  pattern: string;
  requests: string;
  roundTrips: number;
}

/** The rows of the first table after the heading `## Access patterns`. */
function accessPatterns(): Row[] {
  const section = page.split(/^## Access patterns$/m)[1]?.split(/^## /m)[0] ?? '';
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]?.split('|').map((c) => c.trim()) ?? [];
  const col = (name: string): number => header.indexOf(name);
  const [p, r, t] = [col('access pattern'), col('requests'), col('round trips')];
  if (p < 0 || r < 0 || t < 0) throw new Error('docs/storage.md: the access-pattern table needs the columns "access pattern", "requests", "round trips"');
  return lines.slice(2).map((l) => {
    const cells = l.split('|').map((c) => c.trim());
    return { pattern: cells[p] as string, requests: cells[r] as string, roundTrips: Number(cells[t]) };
  });
}

const MGMT = 'doc-mgmt';
const ACC = 'doc-acc';
const SOLO = 'doc-solo';
let orgId = '';
let rootId = '';
let ouId = '';
let ou2Id = '';

beforeAll(async () => {
  const org = await createOrganization(MGMT);
  orgId = org.org_id;
  rootId = org.root_id;
  await enableScp(MGMT, orgId);
  await createPolicy({ account_id: MGMT, policy_id: 'scp-deny', name: 'SCP', type: 'scp', document: SCP_DENY_DELETE });
  await createPolicy({ account_id: MGMT, policy_id: 'scp-2', name: 'SCP 2', type: 'scp', document: SCP_DENY_DELETE });
  ouId = (await createOu(MGMT, orgId, { parent_id: rootId, name: 'ou' })).node_id;
  ou2Id = (await createOu(MGMT, orgId, { parent_id: rootId, name: 'ou2' })).node_id;
  await addAccount(MGMT, orgId, { account_id: ACC, parent_id: ouId });
  await attachScp(MGMT, orgId, ouId, 'scp-deny');
  for (const acc of [ACC, SOLO]) {
    await createPolicy({ account_id: acc, policy_id: 'p', name: 'P', document: IDENTITY_ALLOW });
    await createUser(acc, { user_id: 'u', name: 'U' });
    await createGroup(acc, { group_id: 'g', name: 'G' });
    await addMember(acc, 'g', 'u');
    await createGrant(acc, { policy_id: 'p', principal: { type: 'group', id: 'g' }, scope: { type: 'global' } });
    await createGrant(acc, { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'u' }, scope: { type: 'global' } });
    await createAgency(acc, { agency_id: 'ag', name: 'Agency' });
    await createGrant(acc, { policy_id: 'p', principal: { type: 'agency', id: 'ag' }, scope: { type: 'global' } });
  }
});

const cold = (acc: string, ref: { user_id?: string; agency?: string }) => async () => {
  clearReferenceCache();
  return countTableCalls(() => referenceEvaluator(acc, ref));
};
const warm =
  (acc: string, ref: { user_id?: string; agency?: string }, maxStalenessMs = 0) =>
  async () => {
    clearReferenceCache();
    await referenceEvaluator(acc, ref);
    return countTableCalls(() => referenceEvaluator(acc, ref, { maxStalenessMs }));
  };
let n = 0;
const write = (fn: () => Promise<unknown>) => async () => countTableCalls(fn);

/** Every row's scenario, by the text of its first cell. */
const SCENARIOS: Record<string, () => Promise<TableCalls>> = {
  'first request, user in an organization': cold(ACC, { user_id: 'u' }),
  'first request, agency in an organization': cold(ACC, { agency: 'ag' }),
  'first request, the account itself, in an organization': cold(ACC, {}),
  'first request, user in no organization': cold(SOLO, { user_id: 'u' }),
  'warm request, nothing changed, in an organization': warm(ACC, { user_id: 'u' }),
  'warm request, nothing changed, in no organization': warm(SOLO, { user_id: 'u' }),
  'warm request within `max_staleness_ms`': warm(ACC, { user_id: 'u' }, 10_000),
  'warm request after a change': async () => {
    clearReferenceCache();
    await referenceEvaluator(ACC, { user_id: 'u' });
    await createUser(ACC, { user_id: `changed-${++n}`, name: 'changed' });
    return countTableCalls(() => referenceEvaluator(ACC, { user_id: 'u' }));
  },
  'create a user': write(() => createUser(SOLO, { user_id: `w-${++n}`, name: 'W' })),
  'create a policy': write(() => createPolicy({ account_id: SOLO, policy_id: `wp-${++n}`, name: 'WP', document: IDENTITY_ALLOW })),
  'new default version of a policy': write(() => createPolicyVersion(SOLO, 'p', { document: IDENTITY_ALLOW, set_as_default: true })),
  'grant a policy': write(() => createGrant(SOLO, { policy_id: 'p', principal: { type: 'user', id: 'u' }, scope: { type: 'project', project: `cn-${++n}` } })),
  'revoke a grant': async () => {
    const g = await createGrant(SOLO, { policy_id: 'p', principal: { type: 'user', id: 'u' }, scope: { type: 'project', project: `cn-${++n}` } });
    return countTableCalls(() => deleteGrant(SOLO, g.grant_id));
  },
  'add a user to a group': async () => {
    const id = `m-${++n}`;
    await createUser(SOLO, { user_id: id, name: id });
    return countTableCalls(() => addMember(SOLO, 'g', id));
  },
  'remove a user from a group': async () => {
    const id = `m-${++n}`;
    await createUser(SOLO, { user_id: id, name: id });
    await addMember(SOLO, 'g', id);
    return countTableCalls(() => removeMember(SOLO, 'g', id));
  },
  'delete a user with its memberships and grants': async () => {
    const id = `d-${++n}`;
    await createUser(SOLO, { user_id: id, name: id });
    await addMember(SOLO, 'g', id);
    await createGrant(SOLO, { policy_id: 'p', principal: { type: 'user', id }, scope: { type: 'global' } });
    return countTableCalls(() => deleteUser(SOLO, id));
  },
  'attach an SCP': async () => {
    const calls = await countTableCalls(() => attachScp(MGMT, orgId, ou2Id, 'scp-2'));
    await detachScp(MGMT, orgId, ou2Id, 'scp-2');
    return calls;
  },
  'detach an SCP': async () => {
    await attachScp(MGMT, orgId, ou2Id, 'scp-2');
    return countTableCalls(() => detachScp(MGMT, orgId, ou2Id, 'scp-2'));
  },
  'a whole account, in an organization (who-can, previews)': () => countTableCalls(() => loadAccount(ACC)),
  'a whole account, in no organization': () => countTableCalls(() => loadAccount(SOLO)),
  'move an account': async () => {
    const calls = await countTableCalls(() => moveAccount(MGMT, orgId, ACC, { parent_id: ou2Id }));
    await moveAccount(MGMT, orgId, ACC, { parent_id: ouId });
    return calls;
  },
  'record a use (unused access), first in its hour': write(() => recordUsage(SOLO, { type: 'user', id: 'u' }, `ims:images:action-${++n}`, Date.now())),
  "record a use again in the same hour (the process's memo)": async () => {
    const usage = createUsageWriter({ write: async () => recordUsage });
    const use = { account_id: SOLO, type: 'user' as const, id: 'u' };
    const at = Date.now(); // one instant for both: never across an hour's end
    usage.onAllowed(use, 'ims:images:list', at);
    await usage.settle(5_000);
    return countTableCalls(async () => {
      usage.onAllowed(use, 'ims:images:list', at + 1);
      await usage.settle(5_000);
    });
  },
  'the usage records of a principal': write(() => listUsage(SOLO, { type: 'user', id: 'u' })),
};

describe('docs/storage.md, "Access patterns"', () => {
  if (process.env.STORAGE_DOC_MEASURE) {
    it('measures', async () => {
      for (const [name, run] of Object.entries(SCENARIOS)) {
        const calls = await run();
        process.stdout.write(`| ${name} | ${describeCalls(calls)} | ${calls.roundTrips} |\n`);
      }
    });
    return;
  }
  const rows = accessPatterns();
  it('has a row for every scenario and a scenario for every row', () => {
    expect(rows.map((r) => r.pattern).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });
  for (const row of rows) {
    it(row.pattern, async () => {
      const run = SCENARIOS[row.pattern];
      if (!run) throw new Error(`no scenario for the row "${row.pattern}"`);
      const calls = await run();
      expect({ requests: describeCalls(calls), roundTrips: calls.roundTrips }).toEqual({ requests: row.requests, roundTrips: row.roundTrips });
    });
  }
});
