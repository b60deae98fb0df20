/**
 * The DynamoDB clients of the store, created on first use (never at module load: a function that imports
 * the store but serves a request without touching the table pays nothing).
 *
 * Read at creation time:
 *  - `POLICY_TABLE`: the table name (set by serverless.yml; the local scripts and tests set it too);
 *  - `DYNAMODB_ENDPOINT`: a local endpoint (DynamoDB Local). When set, the client also gets static dummy
 *    credentials and a region, so the SDK never looks for real credentials (files, SSO, instance metadata).
 *    Empty on AWS (serverless.yml deploys it as ""), where the function's role and region apply.
 *
 * Timeouts and retries (the SDK's defaults wait up to 300 s for an answer, far beyond the functions'
 * 10 s): a connection must be up within 1 s, a request answered within 2.5 s, and a failed attempt is
 * retried once, so one call gives up after about 5 s and an unreachable or hanging table is an error well
 * inside the function's timeout (the HTTP functions answer 503 STORE_UNAVAILABLE: functions/shared/http.ts
 * `isStoreUnavailable`; test/e2e-faults.test.ts).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resetHttpClient } from './dynamo-http.js';

let documentClient: DynamoDBDocumentClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  if (documentClient) return documentClient;
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const config: DynamoDBClientConfig = {
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.region = process.env.AWS_REGION || 'us-east-1';
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return documentClient;
}

export function getTableName(): string {
  const name = process.env.POLICY_TABLE?.trim();
  if (!name) throw new Error('POLICY_TABLE is not set: the store needs the name of the policy table.');
  return name;
}

/** Drops the cached client (tests that switch endpoints). The next call creates a new one. */
export function resetClient(): void {
  documentClient?.destroy();
  documentClient = undefined;
  resetHttpClient();
}
