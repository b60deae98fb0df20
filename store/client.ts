/**
 * The DynamoDB clients of the store, created on first use (never at module load: a function that imports
 * the store but serves a request without touching the table pays nothing).
 *
 * Read at creation time:
 *  - `POLICY_TABLE`: the table name (set by serverless.yml; the local scripts and tests set it too);
 *  - `DYNAMODB_ENDPOINT`: a local endpoint (dynalite). When set, the client also gets static dummy
 *    credentials and a region, so the SDK never looks for real credentials (files, SSO, instance metadata).
 *    Empty on AWS (serverless.yml deploys it as ""), where the function's role and region apply.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let documentClient: DynamoDBDocumentClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  if (documentClient) return documentClient;
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const config: DynamoDBClientConfig = {};
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
}
