/**
 * A TCP proxy on 127.0.0.1 between the functions and the local DynamoDB, to inject faults mid-run:
 *  - `pass`: forwards both ways;
 *  - `refuse`: stops listening, so new connections get ECONNREFUSED (the store is down), and drops every
 *    open connection (the SDK's keep-alive sockets would otherwise keep working);
 *  - `hang`: accepts connections and never answers (a store that does not respond);
 *  - `delay`: forwards, holding every chunk of the answers for `ms` milliseconds (a slow store); with
 *    `when`, only the answers to requests (HTTP request text: headers and body) it returns true for.
 *  - `cut`: forwards, except for the next `times` requests `when` matches: with `at: 'request'` only the
 *    first `bytes` of such a request reach the store before both connections are dropped (a write cut off
 *    in the middle of its request); with `at: 'answer'` the request reaches the store whole and its answer
 *    is dropped with the connection (a write that happened, but the writer never learned it).
 * Changing the mode drops the open connections, so the next request meets the new mode. The target port
 * can be set after the proxy starts (the stack's endpoint is fixed before the local table's port is known).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; when?: (request: string) => boolean }
  | { kind: 'cut'; at: 'request' | 'answer'; when: (request: string) => boolean; times?: number; bytes?: number };

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  setTarget(port: number): void;
  setMode(mode: FaultMode): Promise<void>;
  mode(): FaultMode;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startFaultProxy(targetPort?: number): Promise<FaultProxy> {
  let target = targetPort;
  let mode: FaultMode = { kind: 'pass' };
  let accepted = 0;
  let cuts = 0;
  const open = new Set<Socket>();
  const track = (s: Socket): void => {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const dropAll = (): void => {
    for (const s of open) s.destroy();
    open.clear();
  };

  const onConnection = (client: Socket): void => {
    accepted++;
    track(client);
    const m = mode;
    if (m.kind === 'refuse' || target === undefined) {
      client.destroy();
      return;
    }
    if (m.kind === 'hang') {
      client.on('data', () => undefined); // read and drop: never answer
      return;
    }
    const upstream = connect(target, HOST);
    track(upstream);
    if (m.kind === 'cut') {
      let cutting = false;
      client.on('data', (chunk: Buffer) => {
        if (!cutting && m.when(chunk.toString('latin1')) && cuts < (m.times ?? 1)) {
          cuts++;
          cutting = true;
          if (m.at === 'request') {
            upstream.write(chunk.subarray(0, Math.min(chunk.length - 1, m.bytes ?? Math.floor(chunk.length / 2))), () => setTimeout(() => (client.destroy(), upstream.destroy()), 20));
            return;
          }
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (cutting) {
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      return;
    }
    // The request being answered (no pipelining: a request is sent whole before its answer starts).
    let request = '';
    let slow: boolean | undefined;
    client.on('data', (chunk: Buffer) => {
      if (slow !== undefined) {
        request = '';
        slow = undefined;
      }
      if (request.length < 16_384) request += chunk.toString('latin1');
      upstream.write(chunk);
    });
    if (m.kind === 'delay') {
      upstream.on('data', (chunk) => {
        slow ??= m.when ? m.when(request) : true;
        if (!slow) {
          client.write(chunk);
          return;
        }
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, m.ms);
      });
    } else {
      upstream.on('data', (chunk) => client.write(chunk));
    }
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', () => (m.kind === 'delay' ? setTimeout(end, m.ms) : end()));
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = (): Promise<void> => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  const port = await listen(0);
  return {
    endpoint: `http://${HOST}:${port}`,
    port,
    setTarget: (p) => {
      target = p;
    },
    mode: () => mode,
    connections: () => accepted,
    setMode: async (next) => {
      const wasRefusing = mode.kind === 'refuse';
      mode = next;
      cuts = 0;
      dropAll();
      if (next.kind === 'refuse' && !wasRefusing) await stopListening();
      if (next.kind !== 'refuse' && wasRefusing) {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    close: async () => {
      dropAll();
      await stopListening();
    },
  };
}
