/**
 * The usage record on DynamoDB Local (store/usage.ts, store/usage-reader.ts): one item per principal and
 * action, its hour moved forward only by the conditional write (the same hour or an older one writes
 * nothing), the TTL 400 days after that hour, the reads per account and per principal (expired items left
 * out), and the modules free of dynamodb-toolbox and the AWS SDK (the decision bundles write it).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { getDocumentClient, getTableName } from '../store/client.js';
import { accountPk, usageSk } from '../store/keys.js';
import { listUsage } from '../store/usage-reader.js';
import { HOUR_MS, recordUsage, USAGE_TTL_DAYS } from '../store/usage.js';
import { bundleInputsOf } from './support/bundle-inputs.js';
import { useLocalTable } from './support/store-db.js';

useLocalTable('store-usage');

const raw = async (pk: string, sk: string): Promise<Record<string, unknown> | undefined> =>
  (await getDocumentClient().send(new GetCommand({ TableName: getTableName(), Key: { pk, sk }, ConsistentRead: true }))).Item;

const T = Date.parse('2026-12-06T10:17:42Z');
const alice = { type: 'user' as const, id: 'alice' };

describe('recordUsage', () => {
  it('writes the hour of the use and a TTL 400 days later; the same or an older hour writes nothing; a later one does', async () => {
    expect(await recordUsage('u-acc', alice, 'ims:images:list', T)).toBe(true);
    const item = await raw(accountPk('u-acc'), usageSk('user', 'alice', 'ims:images:list'));
    const hour = Date.parse('2026-12-06T10:00:00Z') / 1000;
    expect(item).toMatchObject({ _et: 'Usage', principal_type: 'user', principal_id: 'alice', action: 'ims:images:list', used_hour: hour, expires_at: hour + USAGE_TTL_DAYS * 86_400 });
    // Same hour (another process): held back by the condition.
    expect(await recordUsage('u-acc', alice, 'ims:images:list', T + 30 * 60_000)).toBe(false);
    // An older hour (a late write): never moves the record back.
    expect(await recordUsage('u-acc', alice, 'ims:images:list', T - 5 * HOUR_MS)).toBe(false);
    expect((await raw(accountPk('u-acc'), usageSk('user', 'alice', 'ims:images:list')))?.used_hour).toBe(hour);
    // The next hour moves it forward.
    expect(await recordUsage('u-acc', alice, 'ims:images:list', T + HOUR_MS)).toBe(true);
    expect((await raw(accountPk('u-acc'), usageSk('user', 'alice', 'ims:images:list')))?.used_hour).toBe(hour + 3600);
  });

  it('keeps principals and accounts apart; listUsage reads one principal or the account, expired items left out', async () => {
    await recordUsage('u-acc2', alice, 'ims:images:get', T);
    await recordUsage('u-acc2', { type: 'user', id: 'alice2' }, 'ims:images:get', T);
    await recordUsage('u-acc2', { type: 'agency', id: 'ops' }, 'ims:images:list', T);
    await recordUsage('u-acc2', { type: 'account', id: 'u-acc2' }, 'ims:images:list', T);
    await recordUsage('u-acc3', alice, 'ims:images:share', T);
    // An item past its TTL that DynamoDB has not deleted yet.
    await getDocumentClient().send(
      new PutCommand({
        TableName: getTableName(),
        Item: {
          pk: accountPk('u-acc2'),
          sk: usageSk('user', 'alice', 'ims:images:export'),
          _et: 'Usage',
          principal_type: 'user',
          principal_id: 'alice',
          action: 'ims:images:export',
          used_hour: 1,
          expires_at: 2,
        },
      }),
    );
    const mine = await listUsage('u-acc2', alice, T);
    expect(mine).toEqual([{ principal: alice, action: 'ims:images:get', last_used: '2026-12-06T10:00:00.000Z' }]);
    const all = await listUsage('u-acc2', undefined, T);
    expect(all.map((r) => `${r.principal.type}:${r.principal.id}:${r.action}`).sort()).toEqual([
      'account:u-acc2:ims:images:list',
      'agency:ops:ims:images:list',
      'user:alice2:ims:images:get',
      'user:alice:ims:images:get',
    ]);
    expect(await listUsage('u-acc4', undefined, T)).toEqual([]);
  });

  it('a fault of the table rejects (the write-behind counts it; the decision never sees it)', async () => {
    const table = process.env.POLICY_TABLE;
    process.env.POLICY_TABLE = 'no-such-table';
    try {
      await expect(recordUsage('u-acc', alice, 'ims:images:list', T + 10 * HOUR_MS)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      process.env.POLICY_TABLE = table;
    }
  });
});

describe('the usage modules', () => {
  it('import no dynamodb-toolbox, no AWS SDK and no toolbox-based store module, transitively', async () => {
    const inputs = await bundleInputsOf(['store/usage.ts', 'store/usage-reader.ts', 'store/usage-writer.ts']);
    expect(inputs.toolbox).toEqual([]);
    expect(inputs.store).toEqual([
      'store/common.ts',
      'store/dynamo-http.ts',
      'store/errors.ts',
      'store/evaluation-reader.ts',
      'store/keys.ts',
      'store/usage-reader.ts',
      'store/usage-writer.ts',
      'store/usage.ts',
    ]);
    expect(inputs.sdk).toEqual([]);
  });
});
