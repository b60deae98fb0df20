/**
 * Cold start of the function bundles: a fresh `node` process requires a bundle and answers one request
 * (inline policies; and, for evaluate/explain, by reference against the local DynamoDB (DynamoDB Local) with the example
 * data), median of N runs, beside a bare `node -e ''`, plus each bundle's size.
 *   npm run bench:cold [-- --runs 15]
 * The token is minted with the local development key. Writes bench/results/cold.{json,md}.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalDynamo } from '../infra/local/dynamo.js';
import { seedExamples } from '../infra/local/seed.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { runs: runsArg } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' } }, strict: false, allowPositionals: true }).values;
const RUNS = runsArg === undefined ? 15 : typeof runsArg === 'string' ? Number(runsArg) : Number.NaN;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const db = await startLocalDynamo({ port: 0, tableName: `bench-cold-${process.pid}` });
await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
const byReference = { principal: { account_id: 'acc-1', user_id: 'alice' }, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' };

const token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
const inline = {
  principal: { account_id: 'acc-1', user_name: 'alice' },
  action: 'ims:images:deleteImage',
  resource: 'ims:cn-north-4:acc-1:image:abc',
  policies: [
    { id: 'full', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
    { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
  ],
};

const cases: Array<{ fn: string; label?: string; method: string; path: string; body?: unknown }> = [
  { fn: 'evaluate', label: 'evaluate (inline)', method: 'POST', path: '/v1/evaluate', body: inline },
  { fn: 'evaluate', label: 'evaluate (by reference, DynamoDB Local)', method: 'POST', path: '/v1/evaluate', body: byReference },
  { fn: 'explain', label: 'explain (inline)', method: 'POST', path: '/v1/explain', body: inline },
  { fn: 'explain', label: 'explain (by reference, DynamoDB Local)', method: 'POST', path: '/v1/explain', body: byReference },
  { fn: 'validate', method: 'POST', path: '/v1/validate', body: { policy: inline.policies[1]?.document } },
  { fn: 'catalog', method: 'GET', path: '/v1/catalog' },
  { fn: 'openapi', method: 'GET', path: '/v1/openapi.json' },
];

/**
 * The driver a fresh process runs: times require + first invocation, prints JSON. Without BUNDLE it runs an
 * empty handler: the same process, event parsing and output, so the difference is the bundle's own cost.
 */
const driver = `
const t0 = performance.now();
const { handler } = process.env.BUNDLE ? require(process.env.BUNDLE) : { handler: async () => ({ statusCode: 200 }) };
const t1 = performance.now();
const e = JSON.parse(process.env.EVENT);
handler(e, { getRemainingTimeInMillis: () => 10000, awsRequestId: 'cold' }).then((r) => {
  const t2 = performance.now();
  process.stdout.write(String.fromCharCode(10) + JSON.stringify({ status: r.statusCode, importMs: t1 - t0, invokeMs: t2 - t1 }));
});`;

/**
 * The table's own share of a by-reference first answer, from a fresh process with no bundle: the same round
 * trips the load makes (a Query of the account's graph; then a BatchGetItem and a Query in parallel), sent
 * raw over node:http to DynamoDB Local (which checks the signature's form, not its value). What is left of
 * the by-reference cold start after it is the function's own.
 */
const tableDriver = `
const http = require('node:http');
const url = new URL(process.env.DYNAMODB_ENDPOINT);
const table = process.env.POLICY_TABLE;
const send = (target, body) => new Promise((resolve, reject) => {
  const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.' + target, authorization: 'AWS4-HMAC-SHA256 Credential=local/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(target + ' ' + res.statusCode))));
  });
  req.on('error', reject);
  req.end(JSON.stringify(body));
});
const query = (pk, sk) => ({ TableName: table, ConsistentRead: true, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': { S: pk }, ':sk': { S: sk } } });
const t0 = performance.now();
send('Query', query('ACCT#acc-1', '#'))
  .then(() => Promise.all([send('BatchGetItem', { RequestItems: { [table]: { Keys: [{ pk: { S: 'ACCT#acc-1' }, sk: { S: '#ACCOUNT' } }], ConsistentRead: true } } }), send('Query', query('ACCT#acc-0', 'POLICY#'))]))
  .then(() => process.stdout.write(String.fromCharCode(10) + JSON.stringify({ tableMs: performance.now() - t0 })));`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs a fresh node process (asynchronously, so its wall time is measured from here). */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
      if (code !== 0) reject(new Error(`node ${args[0]} ... failed: ${err}`));
      else resolve({ wallMs, out });
    });
  });
}

async function samplesOf<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

const baseEnv = {
  ...process.env,
  AUTH_MODE: 'hs256',
  AUTH_JWT_SECRET: LOCAL_JWT_SECRET,
  DYNAMODB_ENDPOINT: db.endpoint,
  POLICY_TABLE: db.tableName,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '',
};
const bare = median((await samplesOf(RUNS, () => timeProcess(['-e', ''], baseEnv))).map((r) => r.wallMs));

const rows = ['| function | bundle KiB | require ms | first answer ms | process wall ms | above bare node ms | above the empty driver ms |', '|---|---|---|---|---|---|---|'];
const json: Array<Record<string, number | string>> = [];
for (const c of cases) {
  const bundle = join(root, 'dist', 'functions', `${c.fn}.cjs`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  const event = {
    version: '2.0',
    routeKey: `${c.method} ${c.path}`,
    rawPath: c.path,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requestContext: { requestId: 'cold', http: { method: c.method, path: c.path } },
    isBase64Encoded: false,
    ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
  };
  // Each sample runs a bare node and the empty driver (same event) right before the bundle, so the three see
  // the same machine: the columns above them are medians of the per-sample differences (paired), which this
  // shared machine's drift moves far less than a difference of medians taken minutes apart.
  const empties: number[] = [];
  const bares: number[] = [];
  const samples = await samplesOf(RUNS, async () => {
    bares.push((await timeProcess(['-e', ''], baseEnv)).wallMs);
    empties.push((await timeProcess(['-e', driver], { ...baseEnv, BUNDLE: '', EVENT: JSON.stringify(event) })).wallMs);
    const r = await timeProcess(['-e', driver], { ...baseEnv, BUNDLE: bundle, EVENT: JSON.stringify(event) });
    const parsed = JSON.parse(r.out.trim().split('\n').pop() as string) as { status: number; importMs: number; invokeMs: number }; // after the decision log line
    if (parsed.status !== 200) throw new Error(`${c.fn} answered ${parsed.status}`);
    return { ...parsed, wallMs: r.wallMs };
  });
  const emptyDriver = median(empties);
  const wall = median(samples.map((s) => s.wallMs));
  const paired = (base: number[]): number => median(samples.map((s, i) => s.wallMs - (base[i] as number)));
  const row = {
    function: c.label ?? c.fn,
    bundle_kib: statSync(bundle).size / 1024,
    require_ms: median(samples.map((s) => s.importMs)),
    first_answer_ms: median(samples.map((s) => s.invokeMs)),
    wall_ms: wall,
    above_bare_ms: paired(bares),
    empty_driver_ms: emptyDriver,
    above_empty_driver_ms: paired(empties),
  };
  json.push(row);
  rows.push(
    `| ${row.function} | ${row.bundle_kib.toFixed(1)} | ${row.require_ms.toFixed(1)} | ${row.first_answer_ms.toFixed(1)} | ${wall.toFixed(1)} | ${row.above_bare_ms.toFixed(1)} | ${row.above_empty_driver_ms.toFixed(1)} |`,
  );
}
// The table's share of a by-reference first answer: the same round trips from a fresh process, no bundle.
const tableSamples = await samplesOf(RUNS, async () => {
  const r = await timeProcess(['-e', tableDriver], baseEnv);
  return (JSON.parse(r.out.trim().split('\n').pop() as string) as { tableMs: number }).tableMs;
});
const tableMs = median(tableSamples);
const byRef = json.find((r) => r.function === 'evaluate (by reference, DynamoDB Local)');
await db.close();
const tableLine = byRef
  ? `\n\nThe table's share: the by-reference load's round trips (a Query; then a BatchGetItem and a Query in parallel) sent raw from a fresh process, no bundle, take ${tableMs.toFixed(1)} ms (median of ${RUNS}); evaluate by reference without it is ${((byRef.above_bare_ms as number) - tableMs).toFixed(1)} ms above bare node.`
  : '';
const md = `bare \`node -e ''\`: ${bare.toFixed(1)} ms. Each row: a fresh node process requires the bundle and answers one request; each of its runs follows a bare \`node -e ''\` and a run of the same driver with an empty handler (the same process, event parsing and output, no bundle), and the two "above" columns are medians of the differences run by run (paired), so the last column is the bundle's own cost. Medians of ${RUNS}.\n\n${rows.join('\n')}${tableLine}`;
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}cold.json`, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), runs: RUNS, bare_ms: bare, rows: json, table_share_ms: tableMs }, null, 2)}\n`);
writeFileSync(`${dir}cold.md`, `${md}\n`);
console.log(md);
