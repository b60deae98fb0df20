/**
 * Regressions of the HTTP body reader found by fuzzing the inputs (test/fuzz-inputs.test.ts): base64
 * bodies (`isBase64Encoded`). Each failed before its fix (functions/shared/middlewares.ts readJsonBody).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as evaluateHandler } from '../functions/evaluate.js';
import { handler as explainHandler } from '../functions/explain.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { lambdaContext } from './support/events.js';
import { fuzzEvent } from './support/fuzz.js';

let token: string;

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  token = await mintToken('acc-reg');
});
afterAll(() => vi.restoreAllMocks());

describe('base64 bodies', () => {
  const base64Event = (body: string, route = '/v1/evaluate') => fuzzEvent({ method: 'POST', route, token, body, isBase64Encoded: true });

  it('a base64 body that is not UTF-8 is a 400 (was decoded with U+FFFD in place of the bad bytes)', async () => {
    for (const bytes of [
      [0x7b, 0x22, 0x61, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
      [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
      [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x63, 0x61, 0x66, 0xe9, 0x22, 0x7d],
    ]) {
      const r = await evaluateHandler(base64Event(Buffer.from(bytes).toString('base64')), lambdaContext);
      expect(r.statusCode).toBe(400);
      expect(JSON.parse(r.body as string).error).toMatchObject({ code: 'INVALID_JSON', message: 'The request body is not valid UTF-8.' });
    }
  });

  it('a base64 body that is not base64 says so', async () => {
    const r = await explainHandler(base64Event('!!!!'), lambdaContext);
    expect([r.statusCode, JSON.parse(r.body as string).error.message]).toEqual([400, 'The request body is marked base64-encoded but is not valid base64.']);
  });

  it('a base64 body of exactly 64 KiB is read (the size estimate refused it), one byte more is a 413', async () => {
    const fill = (n: number): string => {
      const head = '{"action":"ims:images:list","region":"';
      return `${head}${'r'.repeat(n - head.length - 2)}"}`;
    };
    const exact = await evaluateHandler(base64Event(Buffer.from(fill(64 * 1024)).toString('base64')), lambdaContext);
    expect(exact.statusCode).toBe(400); // region is too long for the schema: the body was read
    expect(JSON.parse(exact.body as string).error.code).toBe('INVALID_REQUEST');
    const over = await evaluateHandler(base64Event(Buffer.from(fill(64 * 1024 + 1)).toString('base64')), lambdaContext);
    expect(over.statusCode).toBe(413);
  });
});
