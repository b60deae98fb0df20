/**
 * Lambda event fixtures (test/fixtures/events/*.json, shaped as AWS sends them) and records derived from
 * them: an SQS record with another body, a DynamoDB stream record with other images. Derived records keep
 * every other field of the fixture, so handlers see the real shape.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';

export function loadEvent<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as T;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

let sqsCounter = 0;

/** An SQS record like the fixture's first, with `body` (and a fresh message id unless given). */
export function sqsRecord(body: string | object, options: { messageId?: string; receiveCount?: number } = {}): SQSRecord {
  const template = loadEvent<SQSEvent>('sqs-batch.json').Records[0] as SQSRecord;
  const r = clone(template);
  r.body = typeof body === 'string' ? body : JSON.stringify(body);
  r.md5OfBody = createHash('md5').update(r.body).digest('hex');
  r.messageId = options.messageId ?? `00000000-0000-4000-8000-${String(++sqsCounter).padStart(12, '0')}`;
  r.receiptHandle = `AQEB${createHash('sha256').update(r.messageId).digest('base64url')}`;
  if (options.receiveCount !== undefined) r.attributes.ApproximateReceiveCount = String(options.receiveCount);
  return r;
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

let sequence = 900000000000000000000n;

/** A stream record like the fixture's INSERT, for `eventName` with the given raw items (as DynamoDB stores them). */
export function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { newItem?: Record<string, unknown>; oldItem?: Record<string, unknown> }): DynamoDBRecord {
  const template = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-policy.json').Records[0] as DynamoDBRecord;
  const r = clone(template);
  const item = (images.newItem ?? images.oldItem) as Record<string, unknown>;
  const ddb = r.dynamodb as NonNullable<DynamoDBRecord['dynamodb']>;
  r.eventName = eventName;
  r.eventID = createHash('md5').update(String(sequence)).digest('hex');
  ddb.Keys = { pk: { S: String(item.pk) }, sk: { S: String(item.sk) } };
  delete ddb.NewImage;
  delete ddb.OldImage;
  if (images.newItem) ddb.NewImage = toImage(images.newItem);
  if (images.oldItem) ddb.OldImage = toImage(images.oldItem);
  ddb.SequenceNumber = String(++sequence);
  ddb.SizeBytes = Buffer.byteLength(JSON.stringify([ddb.Keys, ddb.NewImage ?? {}, ddb.OldImage ?? {}]));
  return r;
}

const toImage = (item: Record<string, unknown>): Record<string, LambdaAttributeValue> => marshall(item, { removeUndefinedValues: true }) as unknown as Record<string, LambdaAttributeValue>;

export const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
