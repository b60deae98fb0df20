/**
 * Import from Huawei's API outputs (docs/imports.md): the plan built from the fixture set (one saved response per
 * API, built from the documented examples: test/fixtures/huawei/README.md), and POST /v1/imports against the real
 * functions and a real table: the fixture set imports, evaluation by reference decides over it, importing twice
 * changes nothing, a changed document becomes a new version, a broken document refuses the run with nothing written.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildPlan, type ImportFile, ownerFromPath } from '../lib/import/huawei/plan.js';
import { runCli, runCliAsync, nodeIo } from '../cli/main.js';
import { client, send, startLocalApi, type Client } from './support/api.js';
import { dumpTable } from './support/table-dump.js';
import type { LocalDynamo } from '../infra/local/dynamo.js';

const ROOT = join(__dirname, 'fixtures/huawei');
function fixtureFiles(): ImportFile[] {
  const out: ImportFile[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.json')) out.push({ name: relative(ROOT, p), content: readFileSync(p, 'utf8') });
    }
  };
  walk(ROOT);
  return out;
}
const P = '5f4c3e2a1b0d4c8e9f7a6b5c4d3e2f10';
const ROLE = '93879fd90f1046f69e6e0b31c94d2a17';
const SCP = 'p-xce633owqm0o1c929wno7l850z2rdr4m';
const ALICE = '0c6b2f1e8a7d4b3c9e5f4a3b2c1d0e9f';
const BOB = '1d7c3a2f9b8e4c5dae6f5b4c3d2e1f0a';
const MGMT = '0a6d25d23900d45c0faac010e0fb4de0';

describe('the plan from the fixture set', () => {
  const r = buildPlan(fixtureFiles());

  it('recognises every fixture as the API it was built from', () => {
    const api = Object.fromEntries(r.files.map((f) => [f.file, f.api]));
    expect(api).toMatchObject({
      'iam/policies.json': 'ListPoliciesV5',
      [`iam/policies/${P}/versions.json`]: 'ListPolicyVersionsV5',
      [`iam/policies/${P}/versions/v2.json`]: 'GetPolicyVersionV5',
      [`iam/policies/${P}/attached-entities.json`]: 'ListEntitiesForPolicyV5',
      'iam/agencies/4a0f6d5c2ebf4f80d19c8e7f6a5b4c3d/attached-policies.json': 'ListAttached{User,Group,Agency}PoliciesV5',
      'iam/roles.json': 'ListCustomPolicies',
      'iam/role-assignments.json': 'ListRoleAssignments',
      'iam/users.json': 'KeystoneListUsers',
      'iam/groups.json': 'KeystoneListGroups',
      'iam/groups/2e8d4b3a0c9f4d6ebf7a6c5d4e3f2a1b/users.json': 'KeystoneListUsersForGroupByAdmin',
      'iam/agencies.json': 'ListAgencies',
      'organizations/organization.json': 'ShowOrganization',
      'organizations/roots.json': 'ListRoots',
      'organizations/r-a1b2c3d4/organizational-units.json': 'ListOrganizationalUnits',
      'organizations/r-a1b2c3d4/accounts.json': 'ListAccounts',
      'organizations/policies.json': 'ListPolicies',
      [`organizations/policies/${SCP}/policy.json`]: 'ShowPolicy',
      [`organizations/policies/${SCP}/attached-entities.json`]: 'ListEntitiesForPolicy',
    });
    expect(r.files.every((f) => f.api !== undefined)).toBe(true);
    expect(r.refused).toBe(false);
  });

  it('reads the documents given as strings, the 1.1 role with its type, the default version and the SCP content', () => {
    const p = r.plan.policies.find((x) => x.policy_id === P);
    expect(p?.versions.map((v) => [v.version_id, v.is_default])).toEqual(
      expect.arrayContaining([
        ['v1', false],
        ['v2', true],
      ]),
    );
    expect(JSON.parse(p?.versions.find((v) => v.version_id === 'v2')?.document ?? '{}').Version).toBe('5.0');
    const role = r.plan.policies.find((x) => x.policy_id === ROLE);
    expect(role).toMatchObject({ kind: 'custom-role-1.1', role_type: 'XA', name: 'IMSImageDeployers' });
    const scp = r.plan.policies.find((x) => x.policy_id === SCP);
    expect(scp).toMatchObject({ type: 'scp', name: 'deny-image-delete' });
    // The system policy of ListPoliciesV5 is not imported.
    expect(r.plan.policies.map((x) => x.policy_id).sort()).toEqual([P, ROLE, SCP].sort());
  });

  it('turns role assignments into grants with their scope, and skips the grant of a role the input lacks', () => {
    const grants = r.plan.grants.map((g) => [g.policy_id, g.principal.type, g.scope.type]);
    expect(grants).toEqual(
      expect.arrayContaining([
        [ROLE, 'group', 'project'],
        [ROLE, 'user', 'all_projects'],
        [P, 'group', 'global'],
        [P, 'agency', 'global'],
      ]),
    );
    expect(r.plan.grants.find((g) => g.scope.type === 'project')?.scope).toEqual({ type: 'project', project: 'cn-north-4' });
    expect(r.files.flatMap((f) => f.findings).filter((f) => f.code === 'GRANT_SKIPPED')).toHaveLength(1);
  });

  it('places OUs and accounts under the parent their path names, and maps the built-in FullAccess SCP', () => {
    expect(r.plan.nodes.map((n) => [n.kind, n.id, n.parent_id])).toEqual(
      expect.arrayContaining([
        ['root', 'r-a1b2c3d4', undefined],
        ['ou', 'ou-taowxgy4xbme6m4x3c2iijbxw7yj8fcw', 'r-a1b2c3d4'],
        ['account', MGMT, 'r-a1b2c3d4'],
      ]),
    );
    expect(r.plan.scp_attachments.filter((a) => a.policy_id === 'system:FullAccess')).toHaveLength(4);
    expect(r.plan.management_account_id).toBe(MGMT);
  });

  it('lists the actions of other services it keeps', () => {
    expect(r.foreign_actions).toEqual(['ecs:servers:list', 'obs:bucket:GetBucketAcl']);
    expect(r.unknown_ims_actions).toEqual([]);
  });

  it('refuses a broken document, an unknown IMS action, an owner the path does not name, and an unrecognised file', () => {
    const files = fixtureFiles().map((f) => (f.name === `iam/policies/${P}/versions/v2.json` ? { ...f, content: (f.content as string).replace('ims:images:get', 'ims:images:gett') } : f));
    const bad = buildPlan([...files, { name: 'iam/orphan-versions.json', content: { versions: [] } }, { name: 'notes.json', content: { hello: 1 } }, { name: 'broken.json', content: '{' }]);
    expect(bad.refused).toBe(true);
    expect(bad.unknown_ims_actions).toContain('ims:images:gett');
    const codes = bad.files.flatMap((f) => f.findings.filter((x) => x.severity === 'error').map((x) => `${f.file} ${x.code}`));
    expect(codes).toEqual(
      expect.arrayContaining([`iam/policies/${P}/versions/v2.json UNKNOWN_ACTION`, 'iam/orphan-versions.json OWNER_NOT_NAMED', 'notes.json UNRECOGNISED_RESPONSE', 'broken.json INVALID_JSON']),
    );
  });

  it('refuses an SCP attachment whose SCP is not in the input (leaving it out could only widen access)', () => {
    const files = fixtureFiles().filter((f) => f.name !== `organizations/policies/${SCP}/policy.json`);
    const r2 = buildPlan(files);
    expect(r2.refused).toBe(true);
    expect(r2.files.flatMap((f) => f.findings).some((f) => f.code === 'NO_DOCUMENT' || f.code === 'UNKNOWN_REFERENCE')).toBe(true);
  });

  it('names the owner by a directory or a file-name part', () => {
    const ids = new Set(['abc', 'r-1']);
    expect(ownerFromPath('x/abc/versions.json', ids)).toBe('abc');
    expect(ownerFromPath('x/versions.abc.json', ids)).toBe('abc');
    expect(ownerFromPath('x/r-1_accounts.json', ids)).toBe('r-1');
    expect(ownerFromPath('x/versions.json', ids)).toBeUndefined();
  });
});

describe('POST /v1/imports', () => {
  let stop: () => Promise<void>;
  let db: LocalDynamo;
  let c: Client;
  const ACCOUNT = MGMT;
  beforeAll(async () => {
    const local = await startLocalApi('imports');
    stop = local.stop;
    db = local.db;
    c = await client(ACCOUNT);
  });
  afterAll(async () => stop?.());
  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    return () => vi.restoreAllMocks();
  });
  const dump = () => dumpTable(db.endpoint, db.tableName);

  it('refuses a broken document with its findings and writes nothing', async () => {
    const before = await dump();
    const files = fixtureFiles().map((f) =>
      f.name.endsWith('policy.json')
        ? { ...f, content: '{"policy":{"content":"{\\"Version\\":\\"5.0\\",\\"Statement\\":[{\\"Effect\\":\\"Deny\\"}]}","policy_summary":{"id":"' + SCP + '","name":"x"}}}' }
        : f,
    );
    const r = await c.post('/v1/imports', { files });
    expect(r.status).toBe(422);
    const body = r.json as { error: { code: string; details: { files: Array<{ file: string; findings: Array<{ severity: string }> }> } } };
    expect(body.error.code).toBe('IMPORT_REFUSED');
    expect(body.error.details.files.find((f) => f.file.endsWith('policy.json'))?.findings.some((f) => f.severity === 'error')).toBe(true);
    expect(await dump()).toEqual(before);
  });

  it('needs org:write for an organization and SCPs (nothing written)', async () => {
    const before = await dump();
    const limited = await client(ACCOUNT, ['policies:write']);
    expect((await limited.post('/v1/imports', { files: fixtureFiles() })).status).toBe(403);
    expect(await dump()).toEqual(before);
  });

  it('imports the fixture set; evaluation by reference decides over it', async () => {
    const r = await c.post('/v1/imports', { files: fixtureFiles() });
    expect(r.status).toBe(200);
    const body = r.json as { summary: Record<string, number>; changes: Array<{ kind: string; outcome: string }>; foreign_actions: string[] };
    expect(body.summary.created).toBeGreaterThan(10);
    expect(body.changes.filter((x) => x.kind === 'version')).toHaveLength(1);
    const policy = (await c.get(`/v1/policies/${P}`)).json as { versions: Array<{ version_id: string; is_default: boolean }> };
    expect(policy.versions.map((v) => [v.version_id, v.is_default])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    // alice: group image-readers holds ims-image-readers (v2 allows get); all projects: the 1.1 role (updateImage).
    const decide = async (user: string, action: string): Promise<string> =>
      ((await c.post('/v1/evaluate', { principal: { account_id: ACCOUNT, user_id: user }, action, region: 'cn-north-4' })).json as { decision: string }).decision;
    expect(await decide(ALICE, 'ims:images:get')).toBe('allow');
    expect(await decide(ALICE, 'ims:images:updateImage')).toBe('allow');
    expect(await decide(BOB, 'ims:images:get')).toBe('allow');
    expect(await decide(BOB, 'ims:images:deleteImage')).not.toBe('allow');
    expect(body.foreign_actions).toContain('obs:bucket:GetBucketAcl');
  });

  it('builds the organization: the OU under the root with the SCP attached, the member account invited there', async () => {
    const r = await c.post('/v1/imports', { files: fixtureFiles(), dry_run: true });
    expect(r.status).toBe(200);
    const orgs = (await c.post('/v1/imports', { files: fixtureFiles() })).json as { org_id: string; node_ids: Record<string, string> };
    const ou = orgs.node_ids['ou-taowxgy4xbme6m4x3c2iijbxw7yj8fcw'] as string;
    const root = (await c.get(`/v1/organizations/${orgs.org_id}`)).json as { root_id: string; scp_enabled: boolean };
    expect(root.scp_enabled).toBe(true);
    const children = (await c.get(`/v1/organizations/${orgs.org_id}/nodes/${root.root_id}/children`)).json as { items: Array<{ node_id: string; name?: string }> };
    expect(children.items.map((n) => n.node_id).sort()).toEqual([ACCOUNT, ou].sort());
    const scps = (await c.get(`/v1/organizations/${orgs.org_id}/nodes/${ou}/policies`)).json as { items: Array<{ policy_id: string }> };
    expect(scps.items.map((x) => x.policy_id).sort()).toEqual([SCP, 'system:FullAccess'].sort());
    const member = await client('0a6d25d23900d45c0faac010e0fb4de1');
    const invitations = (await member.get('/v1/invitations')).json as { items: Array<{ org_id: string; parent_id: string }> };
    expect(invitations.items).toEqual([expect.objectContaining({ org_id: orgs.org_id, parent_id: ou })]);
  });

  it('importing twice changes nothing', async () => {
    const before = await dump();
    const r = await c.post('/v1/imports', { files: fixtureFiles() });
    expect(r.status).toBe(200);
    const body = r.json as { summary: Record<string, number> };
    expect([body.summary.created, body.summary.updated]).toEqual([0, 0]);
    expect(await dump()).toEqual(before);
  });

  it('a changed document becomes a new version (the default), not a duplicate policy', async () => {
    const v3 = '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:list"],"Resource":["*"]}]}';
    const files: ImportFile[] = [
      { name: 'iam/policies.json', content: readFileSync(join(ROOT, 'iam/policies.json'), 'utf8') },
      { name: `iam/policies/${P}/versions/v3.json`, content: { policy_version: { document: v3.replace('list"]', 'list","ims:images:export"]'), version_id: 'v3', is_default: true } } },
    ];
    const r = await c.post('/v1/imports', { files });
    expect(r.status).toBe(200);
    const policy = (await c.get(`/v1/policies/${P}`)).json as { versions: Array<{ version_id: string; is_default: boolean }> };
    expect(policy.versions.map((v) => [v.version_id, v.is_default])).toEqual([
      ['v1', false],
      ['v2', false],
      ['v3', true],
    ]);
    const again = await c.post('/v1/imports', { files });
    expect((again.json as { summary: Record<string, number> }).summary.created).toBe(0);
  });

  it('refuses before writing what the store would refuse mid-run: a name over its limit, OUs deeper than 5 levels', async () => {
    const before = await dump();
    const ous: ImportFile[] = ['r-deep', 'ou-1', 'ou-2', 'ou-3', 'ou-4', 'ou-5'].map((parent, i) => ({
      name: `organizations/${parent}/organizational-units.json`,
      content: { organizational_units: [{ id: `ou-${i + 1}`, name: `level-${i + 1}` }] },
    }));
    const files: ImportFile[] = [
      {
        name: 'iam/roles.json',
        content: {
          roles: [{ id: 'r-long', display_name: 'x'.repeat(200), catalog: 'CUSTOMED', type: 'XA', policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } }],
        },
      },
      { name: 'organizations/roots.json', content: { roots: [{ id: 'r-deep', name: 'root' }] } },
      ...ous,
    ];
    const r = await c.post('/v1/imports', { files });
    expect(r.status).toBe(422);
    const codes = (r.json as { error: { details: { conflicts: Array<{ code: string }> } } }).error.details.conflicts.map((x) => x.code);
    expect(codes).toEqual(expect.arrayContaining(['INVALID_NAME', 'TOO_DEEP']));
    expect(await dump()).toEqual(before);
  });

  it('dry_run compares with the store and writes nothing', async () => {
    const before = await dump();
    const r = await c.post('/v1/imports', { files: fixtureFiles(), dry_run: true });
    expect(r.status).toBe(200);
    expect(await dump()).toEqual(before);
  });
});

describe('ims-authz import huawei', () => {
  const io = (out: string[], progress?: string[]) => ({
    ...nodeIo,
    stdout: (x: string) => void out.push(x),
    stderr: () => undefined,
    ...(progress ? { progress: { isTTY: true, write: (x: string) => progress.push(x) } } : {}),
  });

  it('--dry-run: reads a directory, reports per file, exit 0; a progress line on a terminal only', () => {
    const out: string[] = [];
    const progress: string[] = [];
    expect(runCli(['import', 'huawei', 'test/fixtures/huawei', '--dry-run'], io(out, progress))).toBe(0);
    expect(JSON.parse(out.join('')).plan).toMatchObject({ policies: 3, versions: 4, grants: 4 });
    expect(progress.join('')).toContain(`reading: ${fixtureFiles().length}/${fixtureFiles().length}`);
  });

  it('refused input: exit 1 with the findings, nothing sent', () => {
    const out: string[] = [];
    const files: Record<string, string> = {
      'x/iam/roles.json': JSON.stringify({ roles: [{ id: 'r1', catalog: 'CUSTOMED', type: 'XA', policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:lst'] }] } }] }),
    };
    const code = runCli(['import', 'huawei', 'x/iam/roles.json', '--url', 'http://127.0.0.1:9', '--token', 't'], { ...io(out), walk: () => undefined, readFile: (p) => files[p] as string });
    expect(code).toBe(1);
    expect(JSON.parse(out.join('')).unknown_ims_actions).toEqual(['ims:images:lst']);
  });

  it('usage: a source other than huawei, no files, neither --dry-run nor --url', () => {
    for (const argv of [
      ['import', 'aws', 'x'],
      ['import', 'huawei'],
      ['import', 'huawei', 'test/fixtures/huawei'],
    ])
      expect(runCli(argv, io([]))).toBe(2);
  });

  it('--url --token: sends POST /v1/imports and exits with its outcome', async () => {
    const local = await startLocalApi('imports-cli');
    // A loopback server in front of the real functions, as serverless-offline would be.
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        void send(String(req.headers.authorization).replace(/^Bearer /, ''), req.method ?? 'GET', req.url ?? '/', body).then((r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(r.text);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const c = await client('acc-cli');
      const out: string[] = [];
      expect(await runCliAsync(['import', 'huawei', 'test/fixtures/huawei/iam', '--url', url, '--token', c.token], io(out))).toBe(0);
      expect(JSON.parse(out.join('')).summary.created).toBeGreaterThan(0);
      const again: string[] = [];
      expect(await runCliAsync(['import', 'huawei', 'test/fixtures/huawei/iam', '--url', url, '--token', c.token], io(again))).toBe(0);
      expect(JSON.parse(again.join('')).summary.created).toBe(0);
      expect(await runCliAsync(['import', 'huawei', 'test/fixtures/huawei/iam', '--url', 'http://127.0.0.1:9', '--token', c.token], io([]))).toBe(2);
    } finally {
      vi.restoreAllMocks();
      await new Promise((resolve) => server.close(resolve));
      await local.stop();
    }
  });
});
