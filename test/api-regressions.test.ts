/** Regressions found by the API tests (each failed before its fix). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { client, startLocalApi, type Client } from './support/api.js';

let stop: () => Promise<void>;
let a: Client;
let orgId = '';
let rootId = '';

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined); // decision log lines
  ({ stop } = await startLocalApi('api-regressions'));
  a = await client('acc-reg');
  const org = await a.post('/v1/organizations');
  expect(org.status).toBe(201);
  orgId = org.json.org_id;
  rootId = org.json.root_id;
  expect((await a.post('/v1/users', { user_id: 'u1', name: 'U1' })).status).toBe(201);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await stop();
});

describe('API regressions', () => {
  it.each([
    [{ user_id: 'u-ghost' }, 404],
    [{ agency: 'ag-ghost' }, 404],
    [{ user_id: 'bad id' }, 400],
  ])('evaluate by reference with principal %j answers %i, not 500', async (p, status) => {
    for (const path of ['/v1/evaluate', '/v1/explain']) {
      const r = await a.post(path, { principal: { account_id: 'acc-reg', ...p }, action: 'ims:images:list', region: 'cn-north-4' });
      expect(r.status).toBe(status);
      expect(r.json.error.code).toBeTypeOf('string');
    }
  });

  it('a stale If-Match on organization writes and principal deletes gets 412 and changes nothing', async () => {
    const ou = await a.post(`/v1/organizations/${orgId}/ous`, { parent_id: rootId, name: 'x' });
    expect(ou.status).toBe(201);
    const stale = { 'if-match': '"999"' };
    expect((await a.post(`/v1/organizations/${orgId}/scp/enable`, undefined, stale)).status).toBe(412);
    expect((await a.get(`/v1/organizations/${orgId}`)).json.scp_enabled).toBe(false);
    expect((await a.patch(`/v1/organizations/${orgId}/accounts/acc-reg`, { parent_id: ou.json.node_id }, stale)).status).toBe(412);
    expect((await a.del(`/v1/organizations/${orgId}/ous/${ou.json.node_id}`, stale)).status).toBe(412);
    expect((await a.del('/v1/users/u1', stale)).status).toBe(412);
    expect((await a.get('/v1/users/u1')).status).toBe(200);
  });
});
