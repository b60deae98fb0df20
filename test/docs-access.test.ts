/**
 * The examples of docs/who-can.md and docs/previews.md run as written, over the seeded example data in a
 * real local table through the functions: every ```json who-can-example block is a call (`get`, or `method`
 * and `path`, with `$ORG`, `$EU` for the seeded organization and OU eu) made with the token of its account,
 * and the parts of the answer it must contain (objects: the keys given; lists: the same length, element by
 * element). Every witness of an answer is decided by `POST /v1/evaluate` by reference as it says.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectContains } from './support/contains.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { seedExamples, type SeedResult } from '../infra/local/seed.js';
import type { JsonValue } from '../lib/types.js';
import { client, send, startLocalApi, type Client } from './support/api.js';

interface Example {
  token: string;
  get?: string;
  method?: string;
  path?: string;
  body?: JsonValue;
  status?: number;
  expect: JsonValue;
}

const PAGES = ['docs/who-can.md', 'docs/previews.md'] as const;
const examples = PAGES.flatMap((page) =>
  [...readFileSync(new URL(`../${page}`, import.meta.url), 'utf8').matchAll(/```json who-can-example\n([\s\S]*?)```/g)].map((m, i) => ({ page, i, ex: JSON.parse(m[1] as string) as Example })),
);

/** Every `witness` in the answer with the access it should be decided as (allowed_when / gained: allow). */
function witnesses(value: unknown, want: 'allow' | 'deny' | null, out: Array<{ witness: Record<string, unknown>; want: 'allow' | 'deny' }>): void {
  if (Array.isArray(value)) for (const v of value) witnesses(v, want, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'witness' && want) out.push({ witness: v as Record<string, unknown>, want });
      else witnesses(v, k === 'allowed_when' ? 'allow' : k === 'denied_when' ? 'deny' : k === 'gained' ? 'deny' : k === 'lost' ? 'allow' : want, out);
    }
  }
}

let stop: () => Promise<void>;
let seeded: SeedResult;
const clients = new Map<string, Client>();

beforeAll(async () => {
  const api = await startLocalApi('docs-access');
  stop = api.stop;
  seeded = await seedExamples({ endpoint: api.db.endpoint, tableName: api.db.tableName });
  for (const a of ['acc-0', 'acc-1']) clients.set(a, await client(a));
}, 60_000);
afterAll(async () => stop?.());

describe('docs/who-can.md and docs/previews.md examples', () => {
  it('has examples of who-can, what-can and previews', () => {
    const paths = examples.map(({ ex }) => ex.get ?? ex.path ?? '');
    for (const p of ['/v1/access/who-can', '/v1/access/what-can', 'preview=true'])
      expect(
        paths.some((x) => x.includes(p)),
        p,
      ).toBe(true);
  });

  it.each(examples.map((e) => [`${e.page} #${e.i + 1}`, e.ex] as const))(
    '%s',
    async (_name, ex) => {
      const c = clients.get(ex.token) as Client;
      const path = (ex.get ?? ex.path ?? '').replaceAll('$ORG', seeded.org_id).replaceAll('$EU', seeded.path[2] as string);
      const r = await send(c.token, ex.get ? 'GET' : (ex.method as string), path, ex.body);
      expect(r.status, r.text).toBe(ex.status ?? 200);
      expectContains(ex.expect, r.json, 'answer');
      // Witnesses by reference, decided now (the stored state the answer is about: previews write nothing).
      const found: Array<{ witness: Record<string, unknown>; want: 'allow' | 'deny' }> = [];
      witnesses(r.json, null, found);
      for (const { witness, want } of found) {
        const account = (witness.principal as { account_id: string }).account_id;
        if (!clients.has(account)) continue;
        clearReferenceCache();
        const d = await send((clients.get(account) as Client).token, 'POST', '/v1/evaluate', witness);
        expect(d.json.decision, JSON.stringify(witness)).toBe(want);
      }
    },
    60_000,
  );
});
