/** Port settings of the local stack: read from the environment, checked free before anything starts. */
import { createServer } from 'node:net';

// Local tooling runs on Node 20, where SDK v3 warns about its future Node 22 requirement: silence it here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const LOCAL_HOST = '127.0.0.1';

/** The local DynamoDB's port (dynalite) unless DYNAMODB_PORT says otherwise. */
export const DEFAULT_DYNAMODB_PORT = 4567;

export interface PortSetting {
  /** Environment variable that sets it. */
  env: string;
  /** What listens there, for messages. */
  what: string;
  port: number;
}

export class PortInUseError extends Error {
  constructor(readonly setting: PortSetting) {
    super(
      `Port ${setting.port} on ${LOCAL_HOST} is already in use, so ${setting.what} cannot listen there. ` +
        `Stop whatever uses it (e.g. a previous npm start), or choose another port: ${setting.env}=${suggest(setting.port)} npm start`,
    );
    this.name = 'PortInUseError';
  }
}

function suggest(port: number): number {
  return port >= 65000 ? port - 1000 : port + 100;
}

/** The port in `env` (or the default); exits the process with a clear message when it is not a port number. */
export function portFromEnv(env: string, fallback: number, what: string): PortSetting {
  const raw = process.env[env]?.trim();
  if (raw === undefined || raw === '') return { env, what, port: fallback };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${env}=${raw} is not a port number (1-65535).`);
  }
  return { env, what, port };
}

/** Resolves when the port can be bound on 127.0.0.1, else rejects with PortInUseError (or the bind error). */
export function assertPortFree(setting: PortSetting): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(setting) : new Error(`Cannot listen on ${LOCAL_HOST}:${setting.port} (${setting.env}): ${err.message}`));
    });
    probe.listen({ port: setting.port, host: LOCAL_HOST, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A port that was free a moment ago (tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, LOCAL_HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
