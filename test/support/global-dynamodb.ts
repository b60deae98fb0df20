/**
 * vitest global setup: one DynamoDB Local server for the whole suite (a JVM per test file would cost seconds
 * each on 2 cores); every test file creates its own table there (infra/local/dynamo.ts `startLocalDynamo`).
 * The workers inherit `IMS_AUTHZ_SHARED_DYNAMODB`, set here before they start.
 */
import { SHARED_ENDPOINT_ENV } from '../../infra/local/dynamo.js';
import { type DynamoDbLocalServer, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';

let server: DynamoDbLocalServer | undefined;

export async function setup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  server = await startDynamoDbLocal({ port: 0, readyTimeoutMs: 120_000, log: (l) => process.stderr.write(`${l}\n`) });
  process.env[SHARED_ENDPOINT_ENV] = server.endpoint;
}

export async function teardown(): Promise<void> {
  await server?.close();
}
