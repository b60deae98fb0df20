/**
 * The policy store (store/) against DynamoDB Local: conditional create, get, list pagination,
 * validation on write. Also checks that the local table, the toolbox Table and serverless.yml agree.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../infra/local/dynamo.js';
import { examplePolicies, seedExamples } from '../infra/local/seed.js';
import { createTableInput, LOCAL_TABLE_NAME, tableDefinition } from '../infra/local/table.js';
import { resetClient } from '../store/client.js';
import { createPolicy, defaultVersion, getPolicy, listPolicies, type CreatePolicyInput } from '../store/policies.js';
import { PolicyTable } from '../store/table.js';
import { refusal } from './support/store-db.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let db: LocalDynamo;

beforeAll(async () => {
  db = await startLocalDynamo({ port: 0, tableName: `policies-store-test-${process.pid}` });
  process.env.DYNAMODB_ENDPOINT = db.endpoint;
  process.env.POLICY_TABLE = db.tableName;
  resetClient();
});

afterAll(async () => {
  resetClient();
  await db?.close();
});

const FULL_ACCESS = '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:*:*"]}]}';

describe('table definition', () => {
  it('the toolbox Table uses the keys and index of infra/table.json', () => {
    const def = tableDefinition();
    const hash = def.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = def.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    expect(PolicyTable.partitionKey.name).toBe(hash);
    expect(PolicyTable.sortKey?.name).toBe(range);
    const gsi = def.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'gsi1');
    expect(gsi?.KeySchema?.map((k) => k.AttributeName)).toEqual([PolicyTable.indexes.gsi1.partitionKey.name, PolicyTable.indexes.gsi1.sortKey?.name]);
    expect(createTableInput('t').StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('the local table name is the one serverless.yml gives stage dev', () => {
    const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
    const service = /^service:\s*(\S+)/m.exec(yml)?.[1];
    // LOCAL_POLICY_TABLE names another table of a shared local DynamoDB (the e2e tests); packaging drops it (infra/cfn-offline-stub.ts).
    expect(yml).toMatch(/^\s+POLICY_TABLE: \$\{env:LOCAL_POLICY_TABLE, '\$\{self:service\}-\$\{sls:stage\}-policies'\}$/m);
    expect(LOCAL_TABLE_NAME).toBe(`${service}-dev-policies`);
    expect(yml).toMatch(/Properties: \$\{file\(infra\/table\.cjs\)\}/);
  });
});

describe('createPolicy', () => {
  it('stores a policy with version v1 as its default, the document text as given, and keeps warnings', async () => {
    const text = '{\n  "Version": "5.0",\n  "Statement": [{ "Effect": "Allow", "Action": ["ims:images:list"], "Resource": ["ims:cn-north-4:acc-1:image:abc"] }]\n}';
    const { policy, findings } = await createPolicy({ account_id: 'acc-c', policy_id: 'list-one', name: 'List one image', description: 'warning only', document: text });
    expect(findings.map((f) => f.code)).toEqual(['RESOURCE_NOT_SUPPORTED_BY_ACTION']);
    expect(policy).toMatchObject({
      account_id: 'acc-c',
      policy_id: 'list-one',
      name: 'List one image',
      type: 'identity',
      syntax: '5.0',
      default_version: 'v1',
      revision: 1,
      etag: '"1"',
      description: 'warning only',
    });
    expect(policy.versions).toEqual([{ version_id: 'v1', document: text, is_default: true, created_at: policy.created_at, findings }]);

    const read = await getPolicy('acc-c', 'list-one');
    expect(read).toEqual(policy);
    expect(defaultVersion(read!).document).toBe(text);
  });

  it('accepts a document object (stored as minified JSON), SCPs, and generates an id when none is given', async () => {
    const { policy } = await createPolicy({ account_id: 'acc-c', name: 'Full', document: JSON.parse(FULL_ACCESS) });
    expect(policy.policy_id).toMatch(/^[0-9a-f]{32}$/);
    expect(policy.syntax).toBe('1.1');
    expect(policy.versions[0]?.document).toBe(FULL_ACCESS);
    const scp = await createPolicy({
      account_id: 'acc-c',
      policy_id: 'no-copy',
      name: 'No copies',
      type: 'scp',
      document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:copyInRegion'] }] },
    });
    expect(scp.policy).toMatchObject({ type: 'scp', syntax: '5.0' });
  });

  it('refuses an existing id with the conditional put, and overwrites nothing', async () => {
    await createPolicy({ account_id: 'acc-d', policy_id: 'p1', name: 'Original', document: FULL_ACCESS });
    const err = await refusal(createPolicy({ account_id: 'acc-d', policy_id: 'p1', name: 'Impostor', document: '{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["ims:*:*"]}]}' }));
    expect(err).toMatchObject({ code: 'POLICY_EXISTS', status: 409 });
    const kept = await getPolicy('acc-d', 'p1');
    expect(kept).toMatchObject({ name: 'Original', revision: 1 });
    expect(kept?.versions.map((v) => v.document)).toEqual([FULL_ACCESS]);
    // The same id in another account is another policy.
    await expect(createPolicy({ account_id: 'acc-e', policy_id: 'p1', name: 'Other account', document: FULL_ACCESS })).resolves.toBeTruthy();
  });

  it('refuses a document with error findings, returns the findings, and writes nothing', async () => {
    const err = await refusal(createPolicy({ account_id: 'acc-f', policy_id: 'typo', name: 'Typo', document: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"]}]}' }));
    expect(err.code).toBe('INVALID_POLICY');
    expect(err.status).toBe(422);
    expect(err.findings?.find((f) => f.code === 'UNKNOWN_ACTION')?.suggestions).toEqual(['ims:images:deleteImage']);
    expect(err.findings?.[0]?.span).toBeDefined();
    expect((await refusal(getPolicy('acc-f', 'typo'))).code).toBe('NOT_FOUND');

    const notJson = await refusal(createPolicy({ account_id: 'acc-f', policy_id: 'bad', name: 'Bad', document: '{"Version": ' }));
    expect(notJson.findings?.[0]?.code).toBe('JSON_SYNTAX_ERROR');
    // An identity policy is not a valid SCP (SCPs are Deny-only in the current syntax).
    const scp = await refusal(createPolicy({ account_id: 'acc-f', policy_id: 'allow-scp', name: 'Allow', type: 'scp', document: FULL_ACCESS }));
    expect(scp.code).toBe('INVALID_POLICY');
  });

  it('refuses ids that could break the key schema and bad names', async () => {
    const cases: Array<Partial<CreatePolicyInput>> = [
      { account_id: 'acc#1' },
      { policy_id: 'a b' },
      { policy_id: '' },
      { policy_id: 'x'.repeat(65) },
      { name: '' },
      { name: 'tab\there' },
      { name: 'n'.repeat(129) },
    ];
    for (const c of cases) {
      const err = await refusal(createPolicy({ account_id: 'acc-g', policy_id: 'ok', name: 'ok', document: FULL_ACCESS, ...c }));
      expect(err.code).toBe('INVALID_INPUT');
    }
    expect((await refusal(getPolicy('acc-g', 'ok'))).code).toBe('NOT_FOUND');
  });
});

describe('getPolicy', () => {
  it('refuses an unknown policy with NOT_FOUND', async () => {
    expect(await refusal(getPolicy('acc-nobody', 'nothing'))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('listPolicies', () => {
  beforeAll(async () => {
    const names = ['delta', 'Alpha', 'echo', 'charlie', 'bravo', 'golf', 'foxtrot'];
    await Promise.all(names.map((name, i) => createPolicy({ account_id: 'acc-l', policy_id: `id-${i}`, name, document: FULL_ACCESS })));
    await createPolicy({ account_id: 'acc-l', policy_id: 'scp-1', name: 'zulu scp', type: 'scp', document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } });
    await createPolicy({ account_id: 'acc-other', policy_id: 'x', name: 'other', document: FULL_ACCESS });
  });

  it('pages through an account by type then name, with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listPolicies('acc-l', cursor === undefined ? { limit: 3, include_system: false } : { limit: 3, cursor, include_system: false });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.name));
      for (const item of page.items) {
        expect(item.account_id).toBe('acc-l');
        expect(item.version_ids).toEqual(['v1']);
        expect(item).not.toHaveProperty('versions');
      }
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'zulu scp']);
  });

  it('filters by type', async () => {
    const scps = await listPolicies('acc-l', { type: 'scp', include_system: false });
    expect(scps.items.map((p) => p.policy_id)).toEqual(['scp-1']);
    expect(scps.next_cursor).toBeNull();
    const identity = await listPolicies('acc-l', { type: 'identity', limit: 100, include_system: false });
    expect(identity.items).toHaveLength(7);
  });

  it('refuses cursors of another account or listing, garbage cursors and bad limits', async () => {
    const first = await listPolicies('acc-l', { limit: 2 });
    expect(first.next_cursor).toBeTruthy();
    const cursor = first.next_cursor as string;
    expect((await refusal(listPolicies('acc-other', { cursor }))).code).toBe('INVALID_CURSOR');
    expect((await refusal(listPolicies('acc-l', { cursor, type: 'scp' }))).code).toBe('INVALID_CURSOR');
    expect((await refusal(listPolicies('acc-l', { cursor: 'not a cursor' }))).code).toBe('INVALID_CURSOR');
    expect((await refusal(listPolicies('acc-l', { cursor: Buffer.from('{"k":1}').toString('base64url') }))).code).toBe('INVALID_CURSOR');
    expect((await refusal(listPolicies('acc-l', { limit: 0 }))).code).toBe('INVALID_INPUT');
    expect((await refusal(listPolicies('acc-l', { limit: 101 }))).code).toBe('INVALID_INPUT');
  });

  it('returns an empty page for an account without stored policies', async () => {
    expect(await listPolicies('acc-empty', { include_system: false })).toEqual({ items: [], next_cursor: null });
  });
});

describe('seed', () => {
  it('stores the documented examples and is idempotent', async () => {
    const target = { endpoint: db.endpoint, tableName: db.tableName };
    const first = await seedExamples(target);
    for (const p of examplePolicies()) expect(first.created).toContain(`policy ${p.policy_id}`);
    expect(first.created).toEqual(expect.arrayContaining(['user alice', 'group viewers', 'grant deny-delete to group image-admins', `organization ${first.org_id}`]));
    expect(first.path).toHaveLength(4); // root, prod, eu, team-a
    const second = await seedExamples(target);
    expect(second.created).toEqual([]);
    expect(second.existing).toHaveLength(first.created.length);
    expect(second.org_id).toBe(first.org_id);
    expect(second.path).toEqual(first.path);
    const page = await listPolicies('acc-1', { limit: 100, include_system: false });
    expect(page.items.map((p) => `${p.type}:${p.name}`)).toEqual([
      'identity:Deny image deletion',
      'identity:IMS FullAccess',
      'identity:IMS ReadOnlyAccess',
      'identity:Share images within the organization',
    ]);
    const mgmt = await listPolicies('acc-0', { limit: 100, include_system: false });
    expect(mgmt.items.map((p) => `${p.type}:${p.name}`)).toEqual(['scp:Deny unencrypted copies']);
  });
});
