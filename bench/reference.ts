/**
 * Evaluate by reference against a local dynalite: DynamoDB calls and latency of the first (cold cache)
 * and of warm requests through the real evaluate handler, with the seeded example data.
 *   npm run bench:reference
 */
import type { Context } from 'aws-lambda';
import { handler } from '../functions/evaluate.js';
import type { HttpEvent } from '../functions/shared/http.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { startDynalite } from '../infra/local/dynalite.js';
import { seedExamples } from '../infra/local/seed.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { getDocumentClient } from '../store/client.js';

const N = 500;
process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
console.log = () => undefined; // the decision log lines
const out = (s: string): boolean => process.stdout.write(`${s}\n`);

const db = await startDynalite({ port: 0, tableName: `bench-ref-${process.pid}` });
await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
const token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
const body = JSON.stringify({ principal: { account_id: 'acc-1', user_id: 'alice' }, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' });
const event = (): HttpEvent => ({
  version: '2.0',
  routeKey: 'POST /v1/evaluate',
  rawPath: '/v1/evaluate',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  requestContext: { requestId: 'bench', http: { method: 'POST', path: '/v1/evaluate', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' } } as HttpEvent['requestContext'],
  isBase64Encoded: false,
  body,
});
const ctx = { getRemainingTimeInMillis: () => 10_000 } as Context;

const client = getDocumentClient();
const send = client.send.bind(client);
let calls = 0;
client.send = ((...args: Parameters<typeof send>) => {
  calls++;
  return send(...args);
}) as typeof client.send;

async function once(): Promise<{ ms: number; calls: number; status: number | undefined }> {
  const before = calls;
  const t = process.hrtime.bigint();
  const r = await handler(event(), ctx);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, calls: calls - before, status: r.statusCode };
}

clearReferenceCache();
const cold = await once();
const warm: number[] = [];
let warmCalls = 0;
for (let i = 0; i < N; i++) {
  const r = await once();
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  warm.push(r.ms);
  warmCalls = Math.max(warmCalls, r.calls);
}
warm.sort((a, b) => a - b);
out('| request | DynamoDB calls | latency ms |');
out('|---|---|---|');
out(`| first (cache empty): load user, groups, grants, policies, organization path | ${cold.calls} | ${cold.ms.toFixed(2)} |`);
out(`| warm, nothing changed (max over ${N}) | ${warmCalls} | p50 ${warm[Math.floor(N / 2)]?.toFixed(2)}, p99 ${warm[Math.floor(N * 0.99)]?.toFixed(2)} |`);
await db.close();
