/**
 * `npm start`: the whole local stack in one command.
 *
 *  1. checks the ports are free (HTTP_PORT 4000, LAMBDA_PORT 4002, DYNAMODB_PORT 4567);
 *  2. builds (`npm run build`) while dynalite starts on 127.0.0.1, gets the policy table (infra/table.json)
 *     and the example policies of account acc-1;
 *  3. starts `serverless offline` on 127.0.0.1 (the bundles in dist/functions; CODE_ROOT=functions runs
 *     the TypeScript sources instead) and waits for "Server ready";
 *  4. prints the URLs (the playground page first) and a copy-paste curl for each endpoint, then relays the
 *     request log.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything it started: the build and serverless-offline run in their own
 * process groups, which are killed whole (npm -> sh -> node chains would otherwise leave orphans).
 *
 * Options: --no-build (reuse dist/ as it is).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Logger, plainText } from '../../lib/util/logger.js';
import { startDynalite, type LocalDynamo } from './dynalite.js';
import { assertPortFree, LOCAL_HOST, portFromEnv, type PortSetting } from './ports.js';
import { EXAMPLE_ACCOUNT, EXAMPLE_IMAGE_ID, MANAGEMENT_ACCOUNT, seedExamples, type SeedResult } from './seed.js';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from './token.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 4_000;

const children = new Set<ChildProcess>();
let db: LocalDynamo | undefined;
let stopping = false;

const seconds = (): string => (performance.now() / 1000).toFixed(1);
const logger = new Logger('local-stack', undefined, plainText);
const log = (line: string): void => logger.info(line);

/** Kills a child's whole process group (it was spawned detached, so it leads its own group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  const waits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
          resolve();
        }, STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          killGroup(child, 'SIGKILL'); // stragglers of the group (esbuild services, workers)
          resolve();
        });
        killGroup(child, 'SIGTERM');
      }),
  );
  await Promise.all(waits);
  await db?.close();
  process.exit(code);
}

// Last resort if the process exits some other way: no child outlives it.
process.on('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL');
});
process.on('SIGINT', () => {
  log('\nStopping (serverless-offline, dynalite) ...');
  void stopAll(0);
});
process.on('SIGTERM', () => void stopAll(0));

function fail(message: string): Promise<never> {
  logger.error(`\nnpm start failed: ${message}`);
  return stopAll(1);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function build(): Promise<string> {
  return new Promise((resolve, reject) => {
    const npm = process.env.npm_execpath;
    // Under `npm start`, npm_execpath is npm's own CLI script: run it with this node, no shell in between.
    const child = npm && npm.endsWith('.js') ? run(process.execPath, [npm, 'run', '--silent', 'build']) : run('npm', ['run', '--silent', 'build']);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve(output) : reject(new Error(`npm run build exited with ${signal ?? code}:\n${output}`))));
  });
}

function serverlessBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('serverless/package.json');
  const bin = (require(pkgPath) as { bin: Record<string, string> }).bin.serverless as string;
  return join(dirname(pkgPath), bin);
}

function startOffline(http: PortSetting, lambda: PortSetting, dynamoEndpoint: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: String(http.port),
    LAMBDA_PORT: String(lambda.port),
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    // The hs256 auth mode with the local key (infra/auth.cjs reads AUTH_OFFLINE_JWT_SECRET; docs/deployment.md).
    AUTH_OFFLINE_JWT_SECRET: localSecret(),
    // The region of the example data: the IMS authorizer reads no x-ims-region header while it caches.
    IMS_REGION: process.env.IMS_REGION || 'cn-north-4',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const child = run(process.execPath, [serverlessBin(), 'offline', 'start', '--stage', 'dev', '--param=authMode=hs256'], env);
  return new Promise((resolve, reject) => {
    let banner = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`serverless-offline was not ready after ${READY_TIMEOUT_MS / 1000} s. Its output:\n${banner}`)), READY_TIMEOUT_MS);
    const relay = (stream: NodeJS.WritableStream) => (d: Buffer) => {
      const text = d.toString();
      if (ready) {
        stream.write(text.replace(/^(?=.)/gm, 'offline │ '));
        return;
      }
      banner += text;
      if (/Server ready:/.test(banner)) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));
    child.once('error', (err) => reject(err));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`serverless-offline exited (${signal ?? code}) before it was ready. Its output:\n${banner}`));
      else if (!stopping) void fail(`serverless-offline exited (${signal ?? code}).`);
    });
  });
}

/** The local stack's HS256 key: AUTH_OFFLINE_JWT_SECRET if set, else the published development key. */
const localSecret = (): string => process.env.AUTH_OFFLINE_JWT_SECRET || LOCAL_JWT_SECRET;

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function usage(base: string, dynamo: LocalDynamo, token: string): string {
  const evaluate = {
    principal: { account_id: EXAMPLE_ACCOUNT, user_name: 'alice' },
    action: 'ims:images:deleteImage',
    resource: 'ims:cn-north-4:acc-1:image:abc',
    region: 'cn-north-4',
    policies: [
      { id: 'IMS FullAccess', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
      { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
    ],
  };
  const explain = { ...evaluate, action: 'ims:images:get' };
  const validate = { policy: '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"]}]}', type: 'identity' };
  const auth = `-H "authorization: Bearer $TOKEN"`;
  const post = (path: string, body: unknown): string => `curl -s -X POST ${base}${path} ${auth} -H 'content-type: application/json' -d ${sq(JSON.stringify(body))}`;
  return [
    '',
    `  Playground  ${base}/    open it in a browser: write policies, build a request, see the decision and the statement that made it`,
    `  HTTP API    ${base}    (serverless-offline, code: ${process.env.CODE_ROOT || 'dist/functions'})`,
    `  DynamoDB    ${dynamo.endpoint}    (dynalite in memory, table ${dynamo.tableName}, example data of ${EXAMPLE_ACCOUNT})`,
    '',
    `  A bearer token for ${EXAMPLE_ACCOUNT} with every scope (evaluate, policies:read, policies:write, org:write), valid 24 h:`,
    `    export TOKEN=${token}`,
    '',
    `  POST ${base}/v1/evaluate      IMS FullAccess + "deny delete": delete is denied (explicit_deny)`,
    `    ${post('/v1/evaluate', evaluate)}`,
    '',
    `  POST ${base}/v1/explain       the same policies, ims:images:get: allowed, with the trace and text`,
    `    ${post('/v1/explain', explain)}`,
    '',
    `  POST ${base}/v1/validate      a policy with a misspelled action (UNKNOWN_ACTION, did you mean ims:images:delete?)`,
    `    ${post('/v1/validate', validate)}`,
    '',
    `  GET  ${base}/v1/catalog       the compiled catalog (ETag, Cache-Control; If-None-Match gives 304)`,
    `    curl -si ${base}/v1/catalog | head -n 12`,
    '',
    `  GET  ${base}/v1/openapi.json  the OpenAPI 3.1 document`,
    `    curl -s ${base}/v1/openapi.json`,
    '',
  ].join('\n');
}

/** Curl lines for the stored model: evaluation by reference, scopes, SCP inheritance, tenancy, last SCP. */
function storedUsage(base: string, seeded: SeedResult, mgmtToken: string): string {
  const auth = (v = 'TOKEN'): string => `-H "authorization: Bearer $${v}"`;
  const post = (path: string, body: unknown): string => `curl -s -X POST ${base}${path} ${auth()} -H 'content-type: application/json' -d ${sq(JSON.stringify(body))}`;
  const [root, prod, eu, team] = seeded.path;
  const org = seeded.org_id;
  const alice = { account_id: EXAMPLE_ACCOUNT, user_id: 'alice' };
  return [
    `  Stored example data: ${EXAMPLE_ACCOUNT} has users alice (group image-admins: IMS FullAccess in all projects + "deny delete" in`,
    `  cn-north-4) and bob (group viewers: IMS ReadOnlyAccess in cn-north-4), agency ims-copy (IMS Administrator in enterprise`,
    `  project ep-1); organization ${org} (management account ${MANAGEMENT_ACCOUNT}): ${root} -> ${prod} (prod) -> ${eu} (eu, SCP`,
    `  "deny unencrypted copies") -> ${team} (team-a) -> ${EXAMPLE_ACCOUNT}. A token for ${MANAGEMENT_ACCOUNT}:`,
    `    export MGMT_TOKEN=${mgmtToken}`,
    '',
    `  Evaluate by reference (no inline policies): alice may not delete in cn-north-4 (project-scoped Deny) ...`,
    `    ${post('/v1/evaluate', { principal: alice, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: `ims:cn-north-4:${EXAMPLE_ACCOUNT}:image:abc` })}`,
    `  ... but may in cn-east-3 (the Deny's project scope does not cover it):`,
    `    ${post('/v1/evaluate', { principal: alice, region: 'cn-east-3', action: 'ims:images:deleteImage', resource: `ims:cn-east-3:${EXAMPLE_ACCOUNT}:image:abc` })}`,
    `  bob may list images in cn-north-4, not in cn-east-3:`,
    `    ${post('/v1/evaluate', { principal: { account_id: EXAMPLE_ACCOUNT, user_id: 'bob' }, region: 'cn-east-3', action: 'ims:images:list' })}`,
    `  The SCP inherited from OU eu denies copying an unencrypted image (explain names policies, versions, grants):`,
    `    ${post('/v1/explain', { principal: alice, region: 'cn-north-4', api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } }, context: { 'ims:Encrypted': false } })} | jq -r .text`,
    '',
    `  Stored data: curl -s ${base}/v1/policies ${auth()}    curl -s '${base}/v1/grants?principal_type=group&principal_id=image-admins' ${auth()}`,
    `  Another tenant's SCP is not found (404): curl -si ${base}/v1/policies/deny-unencrypted-copy ${auth()} | head -n 1`,
    `  The management account sees it:          curl -s ${base}/v1/policies/deny-unencrypted-copy ${auth('MGMT_TOKEN')}`,
    `  SCPs along the path: curl -s ${base}/v1/organizations/${org}/nodes/${eu}/policies ${auth('MGMT_TOKEN')}`,
    `  Detaching the last SCP of a node is refused (409):`,
    `    curl -si -X DELETE ${base}/v1/organizations/${org}/nodes/${team}/policies/system:FullAccess ${auth('MGMT_TOKEN')} | head -n 1`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** Curl lines for the IMS authorizer (the demo backend under /ims): a token of the other kind, for alice. */
function imsUsage(base: string, aliceToken: string): string {
  const image = `${base}/ims/v2/images/${EXAMPLE_IMAGE_ID}`;
  return [
    `  IMS API behind the IMS authorizer (demo backend, region IMS_REGION=${process.env.IMS_REGION || 'cn-north-4'}). A token for the IMS API`,
    `  (audience ims-api, principal user alice; tokens for /v1 are refused there, and these are refused by /v1):`,
    `    export IMS_TOKEN=${aliceToken}`,
    `  alice may get an image, not delete it in cn-north-4 (403):`,
    `    curl -s ${image} -H "authorization: Bearer $IMS_TOKEN"`,
    `    curl -si -X DELETE ${image} -H "authorization: Bearer $IMS_TOKEN" | head -n 1`,
    `  Image ids are the lowercase UUIDs IMS issues; anything else is refused (INVALID_IMAGE_ID).`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const noBuild = parseArgs({ args: process.argv.slice(2), options: { 'no-build': { type: 'boolean' } }, strict: false, allowPositionals: true }).values['no-build'] === true;
  let http: PortSetting, lambda: PortSetting, dynamoPort: PortSetting;
  try {
    http = portFromEnv('HTTP_PORT', 4000, 'serverless-offline (the HTTP API)');
    lambda = portFromEnv('LAMBDA_PORT', 4002, "serverless-offline's Lambda invoke API");
    dynamoPort = portFromEnv('DYNAMODB_PORT', 4567, 'the local DynamoDB (dynalite)');
  } catch (err) {
    return void fail((err as Error).message);
  }
  const settings = [http, lambda, dynamoPort];
  for (const a of settings) {
    for (const b of settings) if (a !== b && a.port === b.port) return void fail(`${a.env} and ${b.env} are both ${a.port}; give them different ports.`);
  }
  const checks = await Promise.allSettled(settings.map(assertPortFree));
  const busy = checks.flatMap((c) => (c.status === 'rejected' ? [(c.reason as Error).message] : []));
  if (busy.length) return void fail(busy.join('\n'));

  log(`ims-authz local stack: ${noBuild ? 'skipping the build' : 'building'}, starting dynalite on ${LOCAL_HOST}:${dynamoPort.port} ...`);
  const building = noBuild ? Promise.resolve('') : build();
  const database = (async () => {
    db = await startDynalite({ port: dynamoPort.port });
    const seeded = await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
    return { db, seeded };
  })();
  let buildOutput: string;
  let local: Awaited<typeof database>;
  try {
    [buildOutput, local] = await Promise.all([building, database]);
  } catch (err) {
    return void fail((err as Error).message);
  }
  if (buildOutput.trim()) log(buildOutput.trimEnd().replace(/^/gm, '  build │ '));
  log(`  dynalite ready at ${local.db.endpoint}: table ${local.db.tableName}, ${local.seeded.created.length} example items seeded (${seconds()} s)`);
  if (!process.env.CODE_ROOT && !existsSync(join(root, 'dist', 'functions', 'evaluate.cjs'))) {
    return void fail('dist/functions/evaluate.cjs is missing: run npm run build (or drop --no-build).');
  }

  try {
    await startOffline(http, lambda, local.db.endpoint);
  } catch (err) {
    return void fail((err as Error).message);
  }
  const base = `http://${LOCAL_HOST}:${http.port}`;
  log(`\nReady in ${seconds()} s.`);
  const secret = localSecret();
  log(usage(base, local.db, await mintToken(EXAMPLE_ACCOUNT, undefined, { secret })));
  log(imsUsage(base, await mintImsToken(EXAMPLE_ACCOUNT, { user_id: 'alice' }, { secret })));
  log(storedUsage(base, local.seeded, await mintToken(MANAGEMENT_ACCOUNT, undefined, { secret })));
  log(`  Playground: ${base}/ (the engine runs in the page; paste $TOKEN under "Stored policies" to evaluate by reference).\n`);
}

void main();
