/**
 * The local DynamoDB of a load run, in a process of its own: DynamoDB Local (a JVM this process starts, with the policy table) and the
 * fault proxy in front of it (test/support/fault-proxy.ts), driven by the parent over IPC, so the load
 * generator's work does not slow the store down (and a slow store is only ever the proxy's doing).
 *   parent: fork('bench/store-process.ts', { execArgv: ['--import', 'tsx'] })
 *   child -> parent: { ready: { dynamoPort, proxyPort, tableName } }
 *   parent -> child: { mode: FaultMode } (answered { ok: true }), { close: true } (the child exits)
 */
import { startLocalDynamo } from '../infra/local/dynamo.js';
import { startFaultProxy, type FaultMode } from '../test/support/fault-proxy.js';

export interface StoreReady {
  dynamoPort: number;
  proxyPort: number;
  tableName: string;
}

export type StoreCommand = { mode: FaultMode } | { close: true };

if (!process.send) throw new Error('bench/store-process.ts runs as a forked child (bench/load.ts).');
const db = await startLocalDynamo({ port: 0 }); // the table serverless.yml names for stage dev
const proxy = await startFaultProxy(db.port);
const ready: StoreReady = { dynamoPort: db.port, proxyPort: proxy.port, tableName: db.tableName };
process.send({ ready });
process.on('message', (m: StoreCommand) => {
  if ('close' in m) {
    void Promise.all([proxy.close(), db.close()]).then(() => process.exit(0));
    return;
  }
  void proxy.setMode(m.mode).then(() => process.send?.({ ok: true }));
});
process.on('disconnect', () => process.exit(0));
