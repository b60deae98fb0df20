/**
 * `npm start`: the whole local stack in one command.
 *
 *  1. checks the ports are free (HTTP_PORT 4000, LAMBDA_PORT 4002, DYNAMODB_PORT 4567);
 *  2. builds (`npm run build`) while DynamoDB Local (infra/local/dynamodb-local.ts) starts, gets the policy table (infra/table.json)
 *     and the example policies of account acc-1;
 *  3. starts `serverless offline` on 127.0.0.1 (the bundles in dist/functions; CODE_ROOT=functions runs
 *     the TypeScript sources instead; the table's stream goes to revalidateStream through
 *     serverless-offline-dynamodb-streams) and waits for "Server ready";
 *  4. prints the URLs (the playground page first), the tokens and four curl lines to try, then relays the
 *     request log.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything it started: the build and serverless-offline run in their own
 * process groups, which are killed whole (npm -> sh -> node chains would otherwise leave orphans).
 *
 * Options: --no-build (reuse dist/ as it is).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Logger, plainText } from '../../lib/util/logger.js';
import { startLocalDynamo, type LocalDynamo } from './dynamo.js';
import { assertPortFree, LOCAL_HOST, portFromEnv, type PortSetting } from './ports.js';
import { EXAMPLE_ACCOUNT, EXAMPLE_IMAGE_ID, MANAGEMENT_ACCOUNT, seedExamples, type SeedResult } from './seed.js';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from './token.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;
// serverless-offline-dynamodb-streams saves its per-shard position here (serverless.yml). This run's table is new
// and in memory, so its stream is too: the file is this run's only, and removed when it stops.
const streamCheckpointFile = join(root, 'node_modules', '.cache', 'ims-authz', `stream-checkpoints-start-${process.pid}.json`);
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
  rmSync(streamCheckpointFile, { force: true });
  process.exit(code);
}

// Last resort if the process exits some other way: no child outlives it.
process.on('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL');
});
process.on('SIGINT', () => {
  log('\nStopping (serverless-offline, DynamoDB Local) ...');
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
    LOCAL_STREAM_CHECKPOINT_FILE: streamCheckpointFile,
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

/**
 * What `npm start` prints once ready: where everything listens, the tokens, a few curl lines to try, and where
 * the rest is (docs/http-api.md: a curl line for every route, in a tour that runs on this stack as it is).
 */
export function startupMessage(
  base: string,
  dynamo: { endpoint: string; tableName: string },
  seeded: Pick<SeedResult, 'org_id' | 'path'>,
  tokens: { token: string; mgmtToken: string; imsToken: string },
): string {
  const auth = `-H "authorization: Bearer $TOKEN"`;
  const post = (path: string, body: unknown): string => `curl -s -X POST ${base}${path} ${auth} -H 'content-type: application/json' -d ${sq(JSON.stringify(body))}`;
  const alice = { account_id: EXAMPLE_ACCOUNT, user_id: 'alice' };
  const inline = {
    principal: { account_id: EXAMPLE_ACCOUNT, user_name: 'alice' },
    action: 'ims:images:deleteImage',
    resource: `ims:cn-north-4:${EXAMPLE_ACCOUNT}:image:abc`,
    policies: [
      { id: 'IMS FullAccess', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
      { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
    ],
  };
  const image = `${base}/ims/v2/images/${EXAMPLE_IMAGE_ID}`;
  return [
    '',
    `  Playground  ${base}/    open it in a browser: write policies, build a request, see the decision and why`,
    `  HTTP API    ${base}    (serverless-offline, code: ${process.env.CODE_ROOT || 'dist/functions'})`,
    `  DynamoDB    ${dynamo.endpoint}    (DynamoDB Local, table ${dynamo.tableName}, example data: docs/local-stack.md)`,
    '',
    `  Tokens (24 h): ${EXAMPLE_ACCOUNT} with every scope; ${MANAGEMENT_ACCOUNT}, management account of ${seeded.org_id}; alice for the IMS API:`,
    `    export TOKEN=${tokens.token}`,
    `    export MGMT_TOKEN=${tokens.mgmtToken}`,
    `    export IMS_TOKEN=${tokens.imsToken}`,
    '',
    '  Try:',
    `    ${post('/v1/evaluate', inline)}`,
    '      inline policies: IMS FullAccess and "deny delete": explicit_deny',
    `    ${post('/v1/evaluate', { principal: alice, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: `ims:cn-north-4:${EXAMPLE_ACCOUNT}:image:abc` })}`,
    "      by reference: alice's stored grants (a project-scoped Deny in cn-north-4)",
    `    ${post('/v1/evaluate', { principal: alice, region: 'cn-north-4', action: 'ims:images:list' })}`,
    '      by reference, allowed: recorded as a use of ims:images:list (the unused-access lines below see it)',
    `    ${post('/v1/explain', { principal: alice, region: 'cn-north-4', api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } }, context: { 'ims:Encrypted': false } })} | jq -r .text`,
    '      the SCP inherited from OU eu denies an unencrypted copy (jq prints the explanation)',
    `    curl -s '${base}/v1/access/who-can?action=ims:images:deleteImage&resource=ims:cn-north-4:${EXAMPLE_ACCOUNT}:image:abc' ${auth} | jq -c '.principals[] | [.principal.id, .access]'`,
    '      who can delete image abc: alice never (the project-scoped Deny), bob never, the account itself always',
    `    curl -s '${base}/v1/access/what-can?principal_type=user&principal_id=bob' ${auth}`,
    '      what bob can do: read-only, and only in cn-north-4 (his group grant is scoped to it)',
    `    curl -s -X DELETE '${base}/v1/organizations/${seeded.org_id}/nodes/${seeded.path[2] ?? ''}/policies/deny-unencrypted-copy?preview=true' -H "authorization: Bearer $MGMT_TOKEN" | jq -c '.principals[] | [.principal.id, [.gained[].action]]'`,
    '      a preview (nothing written): detaching the SCP at OU eu would let alice and acc-1 copy unencrypted images',
    `    curl -si -X DELETE ${image} -H "authorization: Bearer $IMS_TOKEN" | head -n 1`,
    '      the IMS API behind the authorizer: alice may not delete in cn-north-4 (403)',
    `    curl -s '${base}/v1/access/unused?days=90' ${auth} | jq -c '.principals[] | [.principal.id, (.used | length), (.unused | length)]'`,
    `    curl -s '${base}/v1/access/suggest?principal_type=user&principal_id=alice' ${auth} | jq '{safe, kept, dropped}'`,
    '      unused access (only allowed by-reference decisions count: above, the list) and a least-privilege policy proved to grant nothing new',
    '',
    '  Every route with a curl line: docs/http-api.md (its tour runs on this stack). Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const noBuild = parseArgs({ args: process.argv.slice(2), options: { 'no-build': { type: 'boolean' } }, strict: false, allowPositionals: true }).values['no-build'] === true;
  let http: PortSetting, lambda: PortSetting, dynamoPort: PortSetting;
  try {
    http = portFromEnv('HTTP_PORT', 4000, 'serverless-offline (the HTTP API)');
    lambda = portFromEnv('LAMBDA_PORT', 4002, "serverless-offline's Lambda invoke API");
    dynamoPort = portFromEnv('DYNAMODB_PORT', 4567, 'the local DynamoDB (DynamoDB Local)');
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

  log(`ims-authz local stack: ${noBuild ? 'skipping the build' : 'building'}, starting DynamoDB Local on ${LOCAL_HOST}:${dynamoPort.port} ...`);
  const building = noBuild ? Promise.resolve('') : build();
  const database = (async () => {
    db = await startLocalDynamo({ port: dynamoPort.port, log });
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
  log(`  DynamoDB Local ready at ${local.db.endpoint}: table ${local.db.tableName}, ${local.seeded.created.length} example items seeded (${seconds()} s)`);
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
  const tokens = {
    token: await mintToken(EXAMPLE_ACCOUNT, undefined, { secret }),
    mgmtToken: await mintToken(MANAGEMENT_ACCOUNT, undefined, { secret }),
    imsToken: await mintImsToken(EXAMPLE_ACCOUNT, { user_id: 'alice' }, { secret }),
  };
  log(startupMessage(base, local.db, local.seeded, tokens));
  log(`  Playground: ${base}/ (the engine runs in the page; paste $TOKEN under "Stored policies" to evaluate by reference).\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
