/**
 * A local DynamoDB for the stack and the tests: dynalite (pure JS, in memory) bound to 127.0.0.1 only,
 * with the policy table created from infra/table.json.
 *
 * In-process:  const db = await startDynalite({ port: 0 });  ...  await db.close();
 * Standalone:  npm run db:local [-- --port 4567]   (DYNAMODB_PORT also sets the port; seeds the examples;
 *              Ctrl-C stops it)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import dynalite from 'dynalite';
import { Logger, plainText } from '../../lib/util/logger.js';
import { DEFAULT_DYNAMODB_PORT, LOCAL_HOST, PortInUseError, portFromEnv, type PortSetting } from './ports.js';
import { createLocalTable, LOCAL_TABLE_NAME } from './table.js';

export { DEFAULT_DYNAMODB_PORT } from './ports.js';

export interface StartDynaliteOptions {
  /** 0 picks a free port. Default: DYNAMODB_PORT, else 4567. */
  port?: number;
  /** Default `ims-authz-dev-policies` (the name serverless.yml gives stage dev). */
  tableName?: string;
  /** Create the table (default true). */
  createTable?: boolean;
}

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  tableName: string;
  close(): Promise<void>;
}

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<LocalDynamo> {
  const setting: PortSetting =
    options.port === undefined ? portFromEnv('DYNAMODB_PORT', DEFAULT_DYNAMODB_PORT, 'the local DynamoDB (dynalite)') : { env: 'DYNAMODB_PORT', what: 'the local DynamoDB (dynalite)', port: options.port };
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(err.code === 'EADDRINUSE' ? new PortInUseError(setting) : err);
    server.once('error', onError);
    server.listen(setting.port, LOCAL_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${LOCAL_HOST}:${port}`;
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  try {
    if (options.createTable !== false) await createLocalTable(endpoint, tableName);
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoint, port, tableName, close };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { port: { type: 'string' } }, strict: false, allowPositionals: true });
  // `--port` without a value reads as `true`: not a port number.
  const portArg = values.port === undefined ? undefined : Number(typeof values.port === 'string' ? values.port : Number.NaN);
  if (portArg !== undefined && (!Number.isInteger(portArg) || portArg < 0 || portArg > 65535)) throw new Error('--port needs a port number.');
  const started = performance.now();
  const db = await startDynalite(portArg === undefined ? {} : { port: portArg });
  const { seedExamples } = await import('./seed.js');
  const seeded = await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
  log.info(`dynalite on ${db.endpoint}, table ${db.tableName} (${seeded.created.length} example policies created, ${seeded.existing.length} already there) in ${Math.round(performance.now() - started)} ms`);
  log.info(`Use it with: DYNAMODB_ENDPOINT=${db.endpoint} npm run offline   (Ctrl-C stops dynalite; data is in memory)`);
  const stop = (): void => {
    void db.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const log = new Logger('dynalite', undefined, plainText);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
