/**
 * A small DynamoDB client for the read path of the evaluation (store/evaluation-reader.ts): the JSON
 * protocol over `node:https` on AWS or `node:http` for a local endpoint (only the one the endpoint needs is
 * loaded), signed with AWS Signature Version 4 on `node:crypto`. Nothing of the AWS SDK loads in the
 * functions that evaluate by reference (evaluate, explain, authorizer, batch).
 *
 * Why not the SDK, `fetch` or WebCrypto (measured, docs/storage.md "The read path's client"): requiring
 * `@aws-sdk/lib-dynamodb` with its client costs about 60 ms of a cold start and its first call about 40 ms
 * more; Node's global `fetch` and `Headers` load undici on first use (20-200 ms on this machine), and
 * `crypto.subtle`'s first digest about 15 ms, while `node:http` and an HMAC on `node:crypto` cost well
 * under a millisecond. The signature is checked against `@smithy/signature-v4` (the SDK's signer) in
 * test/dynamo-http.test.ts.
 *
 * Read at the first request (never at import):
 *  - `DYNAMODB_ENDPOINT`: a local endpoint (DynamoDB Local); then the credentials are the local dummies.
 *    Empty on AWS, where the endpoint is `https://dynamodb.<region>.amazonaws.com`.
 *  - `AWS_REGION` (else `AWS_DEFAULT_REGION`, else us-east-1);
 *  - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: the Lambda runtime sets them from
 *    the function's role (they are read on every request: the runtime renews them between invocations).
 *
 * Bounds, the same as the SDK client of the write path (store/client.ts): a connection within 1 s, an
 * answer within 2.5 s, one retry of a failed attempt (network errors, 5xx, throttling), so a call gives up
 * after about 5 s. Errors carry what `isStoreUnavailable` (functions/shared/http.ts) reads: `name`
 * (DynamoDB's error type, or `TimeoutError`), `code` (`ECONNREFUSED` ...) and `$metadata.httpStatusCode`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Agent, IncomingMessage, request as httpRequest } from 'node:http';

/** A DynamoDB attribute value in the JSON protocol. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { B: string };

export type WireItem = Record<string, AttributeValue>;
export type Item = Record<string, unknown>;

/** The operations the read path sends, and the usage record's one write (store/usage.ts). */
export type Operation = 'GetItem' | 'BatchGetItem' | 'Query' | 'TransactGetItems' | 'UpdateItem';

export const CONNECT_TIMEOUT_MS = 1_000;
export const REQUEST_TIMEOUT_MS = 2_500;
export const MAX_ATTEMPTS = 2;

interface Target {
  url: URL;
  region: string;
  local: boolean;
  /** `node:https` on AWS, `node:http` for a local endpoint: only the one the endpoint needs is loaded. */
  request: typeof httpRequest;
  agent: Agent;
}

let target: Target | undefined;

function resolveTarget(): Target {
  if (target) return target;
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const url = new URL(endpoint || `https://dynamodb.${region}.amazonaws.com/`);
  const transport = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  target = { url, region, local: Boolean(endpoint), request: transport.request, agent: new transport.Agent({ keepAlive: true, maxSockets: 64 }) };
  return target;
}

/** Forgets the endpoint and closes the pooled connections (tests that switch endpoints; store/client.ts `resetClient`). */
export function resetHttpClient(): void {
  target?.agent.destroy();
  target = undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Observers: benchmarks and tests count the table calls (bench/reference.ts, test/storage-doc.test.ts).

interface Observer {
  sent: (operation: Operation, body: unknown) => void;
  settled: ((operation: Operation) => void) | undefined;
}
const observers = new Set<Observer>();
/**
 * Calls `sent` before every request and `settled` once it has settled (answered or failed, after its retry),
 * so a test can tell requests sent in parallel from requests sent one after another (round trips). Returns
 * the function that removes them.
 */
export function observeRequests(sent: Observer['sent'], settled?: (operation: Operation) => void): () => void {
  const observer: Observer = { sent, settled };
  observers.add(observer);
  return () => observers.delete(observer);
}

// ---------------------------------------------------------------------------------------------------------
// Signature Version 4 (docs.aws.amazon.com "Create a signed AWS API request"), for the one shape this client
// sends: POST / with a JSON body and the headers host, content-type, x-amz-date, x-amz-target (and
// x-amz-security-token with temporary credentials).

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

const sha256hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

let signingKeyCache: { id: string; key: Buffer } | undefined;
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\n${date}\n${region}\n${service}`;
  if (signingKeyCache?.id === id) return signingKeyCache.key;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  signingKeyCache = { id, key };
  return key;
}

/**
 * The headers of a signed DynamoDB JSON request (`amzDate` like `20260101T120000Z`). Exported for the
 * oracle test against the SDK's signer.
 */
export function signedHeaders(input: { host: string; path?: string; region: string; target: string; body: string; credentials: Credentials; amzDate: string }): Record<string, string> {
  const service = 'dynamodb';
  const date = input.amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: input.host,
    'x-amz-date': input.amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
    'x-amz-target': input.target,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', input.path ?? '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha256hex(input.body)].join('\n');
  const scope = `${date}/${input.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(input.credentials.secretAccessKey, date, input.region, service))
    .update(toSign, 'utf8')
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

function credentials(local: boolean): Credentials {
  if (local) return { accessKeyId: 'local', secretAccessKey: 'local' };
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw Object.assign(new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the table cannot be read.'), { name: 'CredentialsProviderError' });
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined };
}

const amzDateOf = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

// ---------------------------------------------------------------------------------------------------------
// Requests

/** An error answered by DynamoDB (HTTP 4xx/5xx with `__type`), shaped like the SDK's service exceptions. */
export class DynamoDBError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(
    name: string,
    message: string,
    status: number,
    /** TransactionCanceledException: one reason per item. */
    readonly CancellationReasons?: Array<{ Code?: string; Message?: string }>,
  ) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

const RETRYABLE = /^(Throttling|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable|LimitExceeded)/;

type Sender = (operation: Operation, body: Record<string, unknown>) => Promise<unknown>;
let interceptor: ((operation: Operation, body: Record<string, unknown>, next: Sender) => Promise<unknown>) | undefined;
/**
 * Puts `fn` between the callers and the table (tests: an answer with unprocessed keys, a failure); it
 * calls `next` to reach the table. Returns the function that removes it.
 */
export function interceptRequests(fn: (operation: Operation, body: Record<string, unknown>, next: Sender) => Promise<unknown>): () => void {
  interceptor = fn;
  return () => (interceptor = undefined);
}

/** Sends one operation, retried once on a network error, a 5xx or throttling. */
export async function send<T = Record<string, unknown>>(operation: Operation, body: Record<string, unknown>): Promise<T> {
  if (observers.size === 0) return sendObserved(operation, body);
  const watching = [...observers];
  for (const o of watching) o.sent(operation, body);
  try {
    return await sendObserved<T>(operation, body);
  } finally {
    for (const o of watching) o.settled?.(operation);
  }
}

async function sendObserved<T>(operation: Operation, body: Record<string, unknown>): Promise<T> {
  if (interceptor) return (await interceptor(operation, body, (op, b) => sendWithRetry(op, b))) as T;
  return (await sendWithRetry(operation, body)) as T;
}

async function sendWithRetry(operation: Operation, body: Record<string, unknown>): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendOnce(operation, JSON.stringify(body));
    } catch (err) {
      const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      const retryable = e.code !== undefined || e.name === 'TimeoutError' || (e.$metadata?.httpStatusCode ?? 0) >= 500 || RETRYABLE.test(e.name ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
}

function sendOnce(operation: Operation, body: string): Promise<unknown> {
  const t = resolveTarget();
  const headers = signedHeaders({
    host: t.url.host,
    path: t.url.pathname || '/',
    region: t.region,
    target: `DynamoDB_20120810.${operation}`,
    body,
    credentials: credentials(t.local),
    amzDate: amzDateOf(new Date()),
  });
  headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const timeout = (what: string, ms: number): Error => Object.assign(new Error(`DynamoDB ${operation}: ${what} after ${ms} ms`), { name: 'TimeoutError' });
    const req = t.request({ protocol: t.url.protocol, hostname: t.url.hostname, port: t.url.port, path: t.url.pathname || '/', method: 'POST', headers, agent: t.agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => fail(err));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          if (status < 300) return reject(new DynamoDBError('SerializationException', `DynamoDB ${operation}: the answer is not JSON`, status));
        }
        if (status >= 200 && status < 300) return resolve(parsed);
        const type = String(parsed.__type ?? (status >= 500 ? 'InternalServerError' : 'UnknownError'));
        const name = type.slice(type.lastIndexOf('#') + 1);
        reject(
          new DynamoDBError(name, String(parsed.message ?? parsed.Message ?? `DynamoDB ${operation} answered ${status}`), status, parsed.CancellationReasons as DynamoDBError['CancellationReasons']),
        );
      });
    });
    // Connection within CONNECT_TIMEOUT_MS (a reused keep-alive socket is connected already), answer within REQUEST_TIMEOUT_MS.
    let timer = setTimeout(() => fail(timeout('no connection', CONNECT_TIMEOUT_MS)), CONNECT_TIMEOUT_MS);
    req.on('socket', (socket) => {
      const started = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(timeout('no answer', REQUEST_TIMEOUT_MS)), REQUEST_TIMEOUT_MS);
      };
      if ((socket as { connecting?: boolean }).connecting) socket.once('connect', started);
      else started();
    });
    req.on('error', (err) => fail(err));
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Attribute values <-> JavaScript (the shapes dynamodb-toolbox writes: strings, numbers, booleans, maps,
// lists, string sets; numbers as JavaScript numbers, string sets as Sets, as @aws-sdk/lib-dynamodb does).

export function fromAttribute(v: AttributeValue): unknown {
  if ('S' in v) return v.S;
  if ('N' in v) return Number(v.N);
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('M' in v) return fromItem(v.M);
  if ('L' in v) return v.L.map(fromAttribute);
  if ('SS' in v) return new Set(v.SS);
  if ('NS' in v) return new Set(v.NS.map(Number));
  if ('B' in v) return Buffer.from(v.B, 'base64');
  throw new Error(`unsupported attribute value ${JSON.stringify(v).slice(0, 80)}`);
}

export function fromItem(item: WireItem): Item {
  const out: Item = {};
  for (const k of Object.keys(item)) out[k] = fromAttribute(item[k] as AttributeValue);
  return out;
}

/** Strings and numbers: all the read path puts in keys and expression values. */
export function toAttribute(v: string | number): AttributeValue {
  return typeof v === 'number' ? { N: String(v) } : { S: v };
}

export function toWireValues(values: Record<string, string | number>): WireItem {
  const out: WireItem = {};
  for (const k of Object.keys(values)) out[k] = toAttribute(values[k] as string | number);
  return out;
}

export const key = (pk: string, sk: string): WireItem => ({ pk: { S: pk }, sk: { S: sk } });
