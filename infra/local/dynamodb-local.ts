/**
 * DynamoDB Local (Amazon's emulator, Java) as the local table of the stack and the tests: it implements
 * transactions (TransactWriteItems), streams and TTL, which the store relies on (docs/storage.md).
 *
 * Where the jar comes from: the npm package `amplify-dynamodb-simulator` ships it (DynamoDB Local 1.25.1
 * under `package/emulator`). Installing that package pulls about 280 packages, so it is not a dependency:
 * on first use, `npm pack` fetches its tarball from the registry (npm's own cache keeps it), its SHA-512 is
 * checked against the integrity pinned below, and only `package/emulator` is extracted into
 * `node_modules/.cache/ims-authz/` (kept across runs; `npm ci` starts it afresh). Java 17 or later runs it.
 *
 * Start-up: the JVM runs with the client compiler only and the serial collector (DynamoDB Local serves a
 * handful of requests at a time here), about 2-3 s on a quiet 2-core machine.
 *
 * In-process:  const db = await startDynamoDbLocal({ port: 0 });  ...  await db.close();
 * DynamoDB Local listens on every interface (it has no host option); the stack and the tests only ever
 * connect to 127.0.0.1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, LOCAL_HOST } from './ports.js';

/** The pinned source of the jar: the registry's `dist.integrity` of that version. */
export const DYNAMODB_LOCAL_PACKAGE = {
  name: 'amplify-dynamodb-simulator',
  version: '2.9.30',
  integrity: 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
} as const;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = (): string => process.env.DYNAMODB_LOCAL_DIR || join(root, 'node_modules', '.cache', 'ims-authz', `dynamodb-local-${DYNAMODB_LOCAL_PACKAGE.version}`);

/** The folder with DynamoDBLocal.jar, fetched and checked on first use (see the module comment). */
export function ensureDynamoDbLocal(log: (line: string) => void = () => undefined): string {
  const dir = cacheDir();
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, 'fetch-'));
  try {
    const spec = `${DYNAMODB_LOCAL_PACKAGE.name}@${DYNAMODB_LOCAL_PACKAGE.version}`;
    log(`Fetching DynamoDB Local (${spec}, about 56 MB, once) ...`);
    const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];
    execFileSync(npm[0] as string, [...npm.slice(1), 'pack', spec, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
    const [algorithm, expected] = DYNAMODB_LOCAL_PACKAGE.integrity.split('-') as [string, string];
    const actual = createHash(algorithm)
      .update(readFileSync(join(tmp, tarball)))
      .digest('base64');
    if (actual !== expected) throw new Error(`${tarball}: ${algorithm} ${actual} is not the pinned ${expected}; refusing to run it.`);
    execFileSync('tar', ['-xzf', join(tmp, tarball), '-C', tmp, 'package/emulator'], { stdio: 'inherit' });
    try {
      renameSync(join(tmp, 'package', 'emulator'), dir);
    } catch (err) {
      if (!existsSync(join(dir, 'DynamoDBLocal.jar'))) throw err; // else a concurrent fetch won
    }
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface DynamoDbLocalServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Answers when DynamoDB Local answers a ListTables (any HTTP answer counts: it is up). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: LOCAL_HOST, port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, timeout: 1_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end('{}');
  });
}

/**
 * Starts DynamoDB Local in memory (`-sharedDb`: one database whatever the credentials and region;
 * `-disableTelemetry`: it sends nothing, and would find no network here anyway).
 */
export async function startDynamoDbLocal(options: { port?: number; readyTimeoutMs?: number; log?: (line: string) => void } = {}): Promise<DynamoDbLocalServer> {
  const dir = ensureDynamoDbLocal(options.log);
  const port = options.port || (await freePort());
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const child: ChildProcess = spawn(
    java,
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xss512k',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // It writes a metadata file (an installation id) into its working directory: its own folder, not the caller's.
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
    });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    const err = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
    if (err) throw new Error(`Cannot start DynamoDB Local (${java}): ${err.message}. It needs Java 17 or later (apt-get install openjdk-17-jre-headless).`);
    if (exited) throw new Error(`DynamoDB Local exited before it answered (port ${port} in use?). Its output:\n${output}`);
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`DynamoDB Local did not answer on port ${port} within ${options.readyTimeoutMs ?? 60_000} ms. Its output:\n${output}`);
    }
  }
  return { endpoint: `http://${LOCAL_HOST}:${port}`, port, close };
}
