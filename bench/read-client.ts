/**
 * What the read path's DynamoDB client costs in a fresh process, by candidate (docs/storage.md, "The read
 * path's client"): a fresh `node` loads it and sends one GetItem (or, for `fetch`, one call) to DynamoDB
 * Local; medians of N runs (alternating candidates, so a busy moment hits them alike), beside bare node.
 *   npm run bench:client [-- --runs 11]
 * Candidates: the AWS SDK (`@aws-sdk/client-dynamodb` + `lib-dynamodb`, as the write path uses it);
 * `node:http` + `node:crypto` (what store/dynamo-http.ts loads); Node's global `fetch` (undici, loaded on
 * first use); and `crypto.subtle`'s first digest (the WebCrypto alternative to node:crypto's HMAC).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalDynamo } from '../infra/local/dynamo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { runs: runsArg } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' } }, strict: false, allowPositionals: true }).values;
const RUNS = typeof runsArg === 'string' ? Number(runsArg) : 11;
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');

/** One measurement per process: MODE = sdk | own | fetch | subtle; prints {require, first} in ms. */
const driver = `const mode = process.env.MODE;
const t0 = performance.now();
if (mode === 'sdk') {
  const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient, GetCommand } = require('@aws-sdk/lib-dynamodb');
  const t1 = performance.now();
  const c = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.EP, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  c.send(new GetCommand({ TableName: process.env.TABLE, Key: { pk: 'a', sk: 'b' } })).then(() => { const t2 = performance.now(); console.log(JSON.stringify({ require: t1 - t0, first: t2 - t1 })); c.destroy(); });
} else if (mode === 'own') {
  const http = require('node:http'); const crypto = require('node:crypto');
  const t1 = performance.now();
  const body = JSON.stringify({ TableName: process.env.TABLE, Key: { pk: { S: 'a' }, sk: { S: 'b' } } });
  crypto.createHmac('sha256', 'k').update(body).digest('hex'); crypto.createHash('sha256').update(body).digest('hex');
  const u = new URL(process.env.EP);
  const req = http.request({ hostname: u.hostname, port: u.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', authorization: 'AWS4-HMAC-SHA256 Credential=x/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' } }, (res) => { res.resume(); res.on('end', () => { const t2 = performance.now(); console.log(JSON.stringify({ require: t1 - t0, first: t2 - t1 })); }); });
  req.end(body);
} else if (mode === 'fetch') {
  const t1 = performance.now();
  fetch(process.env.EP, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' }).then((r) => r.text()).then(() => { const t2 = performance.now(); console.log(JSON.stringify({ require: t1 - t0, first: t2 - t1 })); });
} else if (mode === 'subtle') {
  const t1 = performance.now();
  crypto.subtle.digest('SHA-256', new TextEncoder().encode('x')).then(() => { const t2 = performance.now(); console.log(JSON.stringify({ require: t1 - t0, first: t2 - t1 })); });
}
`;

const db = await startLocalDynamo({ port: 0, tableName: `bench-client-${process.pid}` });
const modes = ['sdk', 'own', 'fetch', 'subtle'] as const;
const samples: Record<string, Array<{ require: number; first: number; wall: number }>> = Object.fromEntries([...modes, 'bare'].map((m) => [m, []]));
const env = { ...process.env, EP: db.endpoint, TABLE: db.tableName, NODE_PATH: join(root, 'node_modules'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (let i = 0; i < RUNS; i++) {
  for (const mode of [...modes, 'bare']) {
    const t = performance.now();
    const run = spawnSync(process.execPath, mode === 'bare' ? ['-e', ''] : ['-e', driver], { cwd: root, env: { ...env, MODE: mode }, encoding: 'utf8' });
    const wall = performance.now() - t;
    if (run.status !== 0) throw new Error(`${mode}: ${run.stderr}`);
    const m = mode === 'bare' ? { require: 0, first: 0 } : (JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as { require: number; first: number });
    samples[mode]?.push({ ...m, wall });
  }
}
await db.close();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const bare = median((samples.bare ?? []).map((s) => s.wall));
const label: Record<string, string> = {
  sdk: 'AWS SDK v3 (client-dynamodb + lib-dynamodb), GetItem',
  own: 'node:http + node:crypto (store/dynamo-http.ts), GetItem',
  fetch: 'global fetch (undici), one call',
  subtle: 'crypto.subtle, first SHA-256 digest',
};
const rows = modes.map((m) => {
  const s = samples[m] ?? [];
  return `| ${label[m]} | ${median(s.map((x) => x.require)).toFixed(1)} | ${median(s.map((x) => x.first)).toFixed(1)} | ${(median(s.map((x) => x.wall)) - bare).toFixed(1)} |`;
});
process.stdout.write(
  [
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, load average ${load} at the start (shared machine); medians of ${RUNS}; bare node ${bare.toFixed(1)} ms.`,
    '',
    '| candidate | load ms | first call ms | process wall above bare node ms |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
