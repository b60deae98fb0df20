/**
 * The local DynamoDB of the stack, the benchmarks and the tests: DynamoDB Local (infra/local/dynamodb-local.ts)
 * with the policy table created from infra/table.json.
 *
 * In-process:  const db = await startLocalDynamo({ port: 0 });  ...  await db.close();
 *   Under the test suite (vitest's global setup, test/support/global-dynamodb.ts) one DynamoDB Local server
 *   serves every test file: `IMS_AUTHZ_SHARED_DYNAMODB` names it, and each caller gets a table of its own
 *   there (dropped by `close`). Elsewhere a server is started for the caller (stopped by `close`).
 * Standalone:  npm run db:local [-- --port 4567]   (DYNAMODB_PORT also sets the port; seeds the examples;
 *              Ctrl-C stops it)
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Logger, plainText } from '../../lib/util/logger.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { assertPortFree, DEFAULT_DYNAMODB_PORT, portFromEnv, type PortSetting } from './ports.js';
import { createLocalTable, LOCAL_TABLE_NAME, localClient } from './table.js';

export { DEFAULT_DYNAMODB_PORT } from './ports.js';

/** The shared server of the test suite (set by its global setup). */
export const SHARED_ENDPOINT_ENV = 'IMS_AUTHZ_SHARED_DYNAMODB';

export interface StartLocalDynamoOptions {
  /** 0 picks a free port. Default: DYNAMODB_PORT, else 4567. */
  port?: number;
  /** Default `ims-authz-dev-policies` (the name serverless.yml gives stage dev); unique on a shared server. */
  tableName?: string;
  /** Create the table (default true). */
  createTable?: boolean;
  log?: (line: string) => void;
}

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  tableName: string;
  close(): Promise<void>;
}

export async function startLocalDynamo(options: StartLocalDynamoOptions = {}): Promise<LocalDynamo> {
  const shared = process.env[SHARED_ENDPOINT_ENV];
  if (shared && (options.port === undefined || options.port === 0)) {
    // A table of its own on the suite's server (names stay unique across files and calls).
    const tableName = `${options.tableName ?? 'table'}-${randomBytes(4).toString('hex')}`;
    if (options.createTable !== false) await createLocalTable(shared, tableName);
    const port = Number(new URL(shared).port);
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closed ??= (async () => {
        const client = localClient(shared);
        try {
          await client.send(new DeleteTableCommand({ TableName: tableName }));
        } catch {
          /* gone already */
        } finally {
          client.destroy();
        }
      })());
    return { endpoint: shared, port, tableName, close };
  }
  const setting: PortSetting =
    options.port === undefined
      ? portFromEnv('DYNAMODB_PORT', DEFAULT_DYNAMODB_PORT, 'the local DynamoDB (DynamoDB Local)')
      : { env: 'DYNAMODB_PORT', what: 'the local DynamoDB (DynamoDB Local)', port: options.port };
  if (setting.port !== 0) await assertPortFree(setting);
  const server = await startDynamoDbLocal({ port: setting.port, ...(options.log ? { log: options.log } : {}) });
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  try {
    if (options.createTable !== false) await createLocalTable(server.endpoint, tableName);
  } catch (err) {
    await server.close();
    throw err;
  }
  return { endpoint: server.endpoint, port: server.port, tableName, close: () => server.close() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { port: { type: 'string' } }, strict: false, allowPositionals: true });
  // `--port` without a value reads as `true`: not a port number.
  const portArg = values.port === undefined ? undefined : Number(typeof values.port === 'string' ? values.port : Number.NaN);
  if (portArg !== undefined && (!Number.isInteger(portArg) || portArg < 0 || portArg > 65535)) throw new Error('--port needs a port number.');
  const started = performance.now();
  const db = await startLocalDynamo({ ...(portArg === undefined ? {} : { port: portArg }), log: (l) => log.info(l) });
  const { seedExamples } = await import('./seed.js');
  const seeded = await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
  log.info(
    `DynamoDB Local on ${db.endpoint}, table ${db.tableName} (${seeded.created.length} example policies created, ${seeded.existing.length} already there) in ${Math.round(performance.now() - started)} ms`,
  );
  log.info(`Use it with: DYNAMODB_ENDPOINT=${db.endpoint} npm run offline   (Ctrl-C stops it; data is in memory)`);
  const stop = (): void => {
    void db.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const log = new Logger('dynamodb-local', undefined, plainText);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
