/** API Gateway HTTP API (payload 2.0) events and a Lambda context for handler tests. */
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../../functions/shared/http.js';

let counter = 0;
let defaultAuthorization: string | undefined;

/** Bearer token added to every event that does not set its own `authorization` header. */
export function useToken(token: string | undefined): void {
  defaultAuthorization = token === undefined ? undefined : `Bearer ${token}`;
}

export function httpEvent(method: string, path: string, body?: string | object, headers: Record<string, string> = {}): HttpEvent {
  const requestId = `req-${++counter}`;
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const event: HttpEvent = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'api.example.test', ...(defaultAuthorization ? { authorization: defaultAuthorization } : {}), ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-1',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'vitest' },
      requestId,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '22/Nov/2026:05:00:00 +0000',
      timeEpoch: 1795323600000,
    },
    isBase64Encoded: false,
  };
  if (raw !== undefined) event.body = raw;
  return event;
}

/** What `getRemainingTimeInMillis` answers at the start of an invocation (the deployed timeout: 10 s). */
export const remainingMs = { value: 10_000 };

export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'ims-authz-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ims-authz-test',
  memoryLimitInMB: '256',
  awsRequestId: 'aws-req-1',
  logGroupName: '/aws/lambda/ims-authz-test',
  logStreamName: 'stream',
  // The functions' timeout (10 s); a test of correctness under heavy concurrency may give more (remainingMs).
  getRemainingTimeInMillis: () => remainingMs.value,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
