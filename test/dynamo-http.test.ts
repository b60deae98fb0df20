/**
 * The read path's own DynamoDB client (store/dynamo-http.ts), each hand-written part beside an oracle:
 *  - the Signature Version 4 it computes, against the AWS SDK's signer (@smithy/signature-v4), on generated
 *    requests, credentials, regions and dates;
 *  - the attribute values it decodes, against the SDK's `unmarshall` (@aws-sdk/util-dynamodb);
 *  - the errors it raises, as `isStoreUnavailable` (functions/shared/http.ts) classifies them: a store that is
 *    down or slow is unavailable (503), a refused request is not;
 *  - the transport it loads: only the one its endpoint needs (a fresh process of the built bundle).
 */
import { createHash, createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../functions/shared/http.js';
import { freePort } from '../infra/local/ports.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { fromItem, resetHttpClient, send, signedHeaders, type WireItem } from '../store/dynamo-http.js';
import { useLocalTable } from './support/store-db.js';

/** The SDK signer's hash: SHA-256, or HMAC-SHA-256 with a secret (node:crypto). */
class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

const execFileAsync = promisify(execFile);
const idText = fc.stringMatching(/^[A-Za-z0-9/+=_-]{1,40}$/);

describe('Signature Version 4', () => {
  it('signs as the SDK signer does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          region: fc.constantFrom('us-east-1', 'eu-west-1', 'cn-north-4', 'ap-southeast-3'),
          operation: fc.constantFrom('GetItem', 'BatchGetItem', 'Query'),
          body: fc.json(),
          accessKeyId: idText,
          secretAccessKey: idText,
          sessionToken: fc.option(idText, { nil: undefined }),
          date: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true }),
          host: fc.constantFrom('dynamodb.us-east-1.amazonaws.com', '127.0.0.1:8000', 'localhost:4567'),
        }),
        async (c) => {
          const date = new Date(Math.floor(c.date.getTime() / 1000) * 1000);
          const amzDate = date
            .toISOString()
            .replace(/[-:]/g, '')
            .replace(/\.\d{3}/, '');
          const credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
          const ours = signedHeaders({ host: c.host, region: c.region, target: `DynamoDB_20120810.${c.operation}`, body: c.body, credentials, amzDate });
          const signer = new SignatureV4({ credentials, region: c.region, service: 'dynamodb', sha256: Sha256 as never, applyChecksum: false });
          const theirs = await signer.sign(
            {
              method: 'POST',
              protocol: 'https:',
              hostname: c.host.split(':')[0] as string,
              path: '/',
              query: {},
              headers: { host: c.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${c.operation}` },
              body: c.body,
            },
            { signingDate: date },
          );
          expect(ours.authorization).toBe(theirs.headers.authorization);
          expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
          if (c.sessionToken) expect(ours['x-amz-security-token']).toBe(c.sessionToken);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('attribute values', () => {
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), fc.boolean(), fc.constant(null));
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      scalar,
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('v'), { maxKeys: 4 }),
      fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }).map((a) => new Set(a)),
    ),
  })).v;

  it('decode as the SDK unmarshalls them', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { maxKeys: 6 }), (item) => {
        const wire = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) as WireItem;
        expect(fromItem(wire)).toEqual(unmarshall(wire as never));
      }),
      { numRuns: 300 },
    );
  });
});

describe('failures', () => {
  const { db } = useLocalTable('dynamo-http');
  afterEach(() => {
    process.env.DYNAMODB_ENDPOINT = db().endpoint;
    resetHttpClient();
  });

  it('a refused connection is the store unavailable, after one retry', async () => {
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
    resetHttpClient();
    const err = await send('GetItem', { TableName: db().tableName, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isStoreUnavailable(err)).toBe(true);
  });

  it('a store that accepts and never answers times out (TimeoutError): unavailable', async () => {
    const server = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    resetHttpClient();
    const t = Date.now();
    const err = await send('GetItem', { TableName: db().tableName, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }).catch((e: unknown) => e);
    server.close();
    expect((err as Error).name).toBe('TimeoutError');
    expect(isStoreUnavailable(err)).toBe(true);
    expect(Date.now() - t).toBeLessThan(8_000); // two attempts of 2.5 s at most
  }, 15_000);

  it("DynamoDB's refusals keep their type and status, and are not the store being unavailable", async () => {
    const err = await send('GetItem', { TableName: 'no-such-table', Key: { pk: { S: 'x' }, sk: { S: 'y' } } }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ResourceNotFoundException');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    expect(isStoreUnavailable(err)).toBe(false);
  });
});

describe('transport', () => {
  // A fresh process (the suite's own has loaded TLS already): the built evaluate bundle answers a by-reference
  // request against a local http endpoint that refuses connections (503), having loaded node:http only.
  it('a local http endpoint loads node:http, never node:https or TLS (the evaluate bundle, cold)', async () => {
    const bundle = join(import.meta.dirname, '..', 'dist', 'functions', 'evaluate.cjs');
    if (!existsSync(bundle)) throw new Error('dist/functions/evaluate.cjs is missing: run npm run build first.');
    const port = await freePort();
    const body = JSON.stringify({ principal: { user_id: 'alice' }, action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' });
    const token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/evaluate',
      rawPath: '/v1/evaluate',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      requestContext: { requestId: 't', http: { method: 'POST', path: '/v1/evaluate' } },
      isBase64Encoded: false,
      body,
    };
    const driver = `require(process.env.BUNDLE).handler(JSON.parse(process.env.EVENT), { getRemainingTimeInMillis: () => 10000, awsRequestId: 't' }).then((r) => process.stderr.write(JSON.stringify({ status: r.statusCode, modules: process.moduleLoadList })));`;
    const { stderr } = await execFileAsync(process.execPath, ['-e', driver], {
      env: {
        PATH: process.env.PATH,
        AUTH_MODE: 'hs256',
        AUTH_JWT_SECRET: LOCAL_JWT_SECRET,
        DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
        POLICY_TABLE: 'transport-test',
        BUNDLE: bundle,
        EVENT: JSON.stringify(event),
        LOG_LEVEL: 'error',
      },
    });
    const out = JSON.parse(stderr.slice(stderr.indexOf('{"status"'))) as { status: number; modules: string[] };
    expect(out.status).toBe(503); // the store is unavailable: the request did reach for it
    expect(out.modules).toContain('NativeModule http');
    expect(out.modules.filter((m) => /^NativeModule (https|tls|_tls_wrap)$/.test(m))).toEqual([]);
  }, 20_000);
});
