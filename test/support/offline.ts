/**
 * The real local stack for end-to-end tests: a table of its own on the local DynamoDB (DynamoDB Local, the
 * suite's shared server; seeded with the example data) and
 * `serverless offline` as a child process on free ports of 127.0.0.1, running the esbuild bundles in
 * dist/functions (`CODE_ROOT=functions` runs the TypeScript sources instead). Stopping kills the child's
 * whole process group (npm -> sh -> node would otherwise orphan it) and drops the table. The table's stream is
 * delivered to revalidateStream as on AWS (serverless-offline-dynamodb-streams, serverless.yml).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamo.js';
import { freePort } from '../../infra/local/ports.js';
import { seedExamples, type SeedResult } from '../../infra/local/seed.js';
import { LOCAL_JWT_SECRET } from '../../infra/local/token.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 45_000;

export interface LocalStack {
  /** `http://127.0.0.1:<httpPort>` */
  base: string;
  /** `http://127.0.0.1:<lambdaPort>` (serverless-offline's Lambda Invoke API). */
  lambdaBase: string;
  db: LocalDynamo;
  seeded: SeedResult;
  /** Everything serverless-offline printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

function serverlessBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('serverless/package.json');
  return join(dirname(pkgPath), (require(pkgPath) as { bin: Record<string, string> }).bin.serverless as string);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

export interface StackOptions {
  /** A local DynamoDB already running (e.g. in another process, so a load generator does not slow it down);
   * it is seeded here and closed by `stop`. Default: a table of its own on the local DynamoDB (infra/local/dynamo.ts). */
  db?: LocalDynamo;
}

/** Starts a local table (seeded) and serverless-offline; `functions` are the bundles the test needs. */
export async function startLocalStack(functions: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, options: StackOptions = {}): Promise<LocalStack> {
  if (!process.env.CODE_ROOT) {
    const missing = functions.filter((f) => !existsSync(join(root, 'dist', 'functions', `${f}.cjs`)));
    if (missing.length) {
      throw new Error(`The e2e tests run the bundles, and dist/functions/${missing[0]}.cjs is missing (${missing.length} missing): run npm run build (npm ci runs it through prepare).`);
    }
  }
  const db = options.db ?? (await startLocalDynamo({ port: 0 }));
  let seeded: SeedResult;
  let httpPort: number;
  let lambdaPort: number;
  let child: ChildProcess;
  const checkpointFile = join(root, 'node_modules', '.cache', 'ims-authz', `stream-checkpoints-${db.tableName}-${process.pid}.json`);
  try {
    seeded = await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
    [httpPort, lambdaPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTP_PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      DYNAMODB_ENDPOINT: db.endpoint,
      // The stack's own table on the suite's shared DynamoDB Local (serverless.yml reads it for POLICY_TABLE).
      LOCAL_POLICY_TABLE: db.tableName,
      // serverless-offline-dynamodb-streams reads that table's stream straight from DynamoDB Local (not through a
      // test's DYNAMODB_ENDPOINT proxy) and keeps its checkpoints in a file of this stack's own.
      LOCAL_STREAM_ENDPOINT: db.endpoint,
      LOCAL_STREAM_CHECKPOINT_FILE: checkpointFile,
      AUTH_OFFLINE_JWT_SECRET: LOCAL_JWT_SECRET,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...extraEnv,
    };
    child = spawn(process.execPath, [serverlessBin(), 'offline', 'start', '--stage', 'dev', '--param=authMode=hs256'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // Nothing to stop yet but the local table: the caller gets no stack, so it cannot close it.
    await db.close();
    throw err;
  }
  let output = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          killGroup(child, 'SIGKILL');
          resolve();
        });
        killGroup(child, 'SIGTERM');
      });
    }
    await db.close();
    rmSync(checkpointFile, { force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serverless-offline not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
      let ready = false;
      const onData = (d: Buffer): void => {
        output += d.toString();
        // Looked for until found only: the output grows with every request (a load run writes megabytes).
        if (!ready && /Server ready:/.test(output)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`serverless-offline exited (${signal ?? code}) before it was ready:\n${output}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { base: `http://127.0.0.1:${httpPort}`, lambdaBase: `http://127.0.0.1:${lambdaPort}`, db, seeded, output: () => output, stop };
}
