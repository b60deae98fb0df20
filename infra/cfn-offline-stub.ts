/**
 * Runs a command (normally `sls package`) with no network and no credentials.
 *
 * `sls package` of a service that defines `layers:` asks CloudFormation for the deployed stack
 * (DescribeStacks, to compare the layer with the last deployed one). This script answers that call
 * locally: an HTTP server on 127.0.0.1 replies to every request with CloudFormation's "Stack with id ...
 * does not exist" error, which the framework reads as a first deployment, so packaging goes on. Every AWS
 * endpoint is pointed at that server and dummy credentials are set, so nothing can reach AWS (or the
 * instance metadata service) whatever the user's shell holds. DYNAMODB_ENDPOINT and CODE_ROOT (local-stack
 * settings) and AUTH_OFFLINE_JWT_SECRET (the local stack's key) are dropped so they cannot end up in the package.
 *
 *   node --import tsx infra/cfn-offline-stub.ts -- sls package [options]
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, plainText } from '../lib/util/logger.js';

const log = new Logger('cfn-offline-stub', undefined, plainText);

const args = process.argv.slice(2);
const command = args[0] === '--' ? args.slice(1) : args;
if (command.length === 0) {
  log.error('usage: cfn-offline-stub.ts -- <command> [args...]');
  process.exit(2);
}

let calls = 0;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    calls++;
    const stack = /StackName=([^&]+)/.exec(body)?.[1] ?? 'unknown';
    const action = /Action=([^&]+)/.exec(body)?.[1] ?? req.method ?? '?';
    if (process.env.CFN_STUB_DEBUG) log.warn(`[cfn-stub] ${action} ${decodeURIComponent(stack)}`);
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(
      '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>' +
        `<Code>ValidationError</Code><Message>Stack with id ${decodeURIComponent(stack)} does not exist</Message>` +
        '</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
    );
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
  AWS_ACCESS_KEY_ID: 'offline-package',
  AWS_SECRET_ACCESS_KEY: 'offline-package',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
for (const name of [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
]) {
  delete env[name];
}
// Local-stack settings must not leak into a deployable package: DYNAMODB_ENDPOINT would be baked into the
// functions' environment, CODE_ROOT would point the handlers at the TypeScript sources, and
// AUTH_OFFLINE_JWT_SECRET would replace the Secrets Manager reference with the local key (infra/auth.cjs).
for (const name of ['DYNAMODB_ENDPOINT', 'LOCAL_POLICY_TABLE', 'CODE_ROOT', 'AUTH_OFFLINE_JWT_SECRET']) {
  if (env[name]) log.warn(`cfn-offline-stub: ignoring ${name}=${env[name]} (local-stack setting) while packaging`);
  delete env[name];
}

const child = spawn(command[0] as string, command.slice(1), { stdio: 'inherit', env });
const forward = (signal: NodeJS.Signals): void => {
  child.kill(signal);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('error', (err) => {
  log.error(`cfn-offline-stub: cannot run ${command[0]}: ${err.message}`);
  server.close();
  process.exit(127);
});
child.on('exit', (code, signal) => {
  server.close();
  if (process.env.CFN_STUB_DEBUG) log.warn(`[cfn-stub] ${calls} call(s) answered`);
  process.exit(code ?? (signal ? 1 : 0));
});
