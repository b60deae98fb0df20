/**
 * Creates the policy table in a local DynamoDB (DynamoDB Local) from infra/table.json, the same definition
 * serverless.yml deploys, and waits until it is ACTIVE.
 */
import { readFileSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** The table name serverless.yml gives stage `dev` (`${self:service}-${sls:stage}-policies`), which serverless-offline uses. */
export const LOCAL_TABLE_NAME = 'ims-authz-dev-policies';

interface CfnTableProperties {
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  KeySchema: CreateTableCommandInput['KeySchema'];
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  BillingMode?: CreateTableCommandInput['BillingMode'];
  StreamSpecification?: { StreamViewType: NonNullable<CreateTableCommandInput['StreamSpecification']>['StreamViewType'] };
}

export function tableDefinition(): CfnTableProperties {
  return JSON.parse(readFileSync(new URL('../table.json', import.meta.url), 'utf8')) as CfnTableProperties;
}

/** CreateTable input for `tableName` from the CloudFormation properties (PITR and other CFN-only settings dropped). */
export function createTableInput(tableName: string, props: CfnTableProperties = tableDefinition()): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    BillingMode: props.BillingMode ?? 'PAY_PER_REQUEST',
  };
  if (props.GlobalSecondaryIndexes) input.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes;
  if (props.StreamSpecification) input.StreamSpecification = { StreamEnabled: true, StreamViewType: props.StreamSpecification.StreamViewType };
  return input;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 });
}

/** Creates the table (an existing one is kept) and waits until it and its indexes are ACTIVE. */
export async function createLocalTable(endpoint: string, tableName: string = LOCAL_TABLE_NAME, timeoutMs = 10_000): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
      if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
      if (Date.now() > deadline) throw new Error(`Table ${tableName} is still ${Table?.TableStatus} after ${timeoutMs} ms.`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.destroy();
  }
}
