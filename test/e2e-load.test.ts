/**
 * A short load run over the real local stack (a table of its own on DynamoDB Local, seeded; `serverless offline` as a
 * child process on 127.0.0.1, running the bundles): autocannon at 20 connections for 3 s on the evaluate
 * requests of the mix of test/support/load.ts (inline and by reference, with known decisions). Every
 * answer must be right: no connection error, no timeout, no non-2xx, no wrong decision. serverless-offline
 * runs one worker thread per concurrent invocation, so the pool is grown first (warmUp: 20 cold starts,
 * most of this file's time; the suite runs two files at a time, so fewer connections keep it fast and
 * steady). The 30 s run at 50 connections (with the catalog in the mix) and the fault runs under load are
 * `npm run load` (bench/load.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { runLoad, standardMix, warmUp } from './support/load.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const CONNECTIONS = 20;
const SECONDS = 3;

let stack: LocalStack | undefined;
let token = '';

beforeAll(async () => {
  token = await mintToken('acc-1', ['evaluate'], { secret: LOCAL_JWT_SECRET });
  stack = await startLocalStack(['evaluate']);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
}, 15_000);

describe(`load: ${CONNECTIONS} connections for ${SECONDS} s`, () => {
  it('answers every request of the mix, each one correctly', async () => {
    const mix = standardMix().filter((k) => k.path === '/v1/evaluate');
    const waves = await warmUp((stack as LocalStack).base, mix, token, CONNECTIONS);
    const r = await runLoad((stack as LocalStack).base, mix, { title: 'npm test', connections: CONNECTIONS, duration: SECONDS, token });
    console.info(
      `load (${CONNECTIONS} connections, ${r.duration_s} s, after warm-up waves of ${waves.join('/')} ms): ${r.requests} requests, ${r.requests_per_s}/s, ` +
        `p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, ${r.errors} errors, ${r.non2xx} non-2xx, ${r.wrong} wrong`,
    );
    expect(r.problems).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.timeouts).toBe(0);
    expect(r.non2xx).toBe(0);
    expect(r.wrong).toBe(0);
    // Every kind of the mix was answered (each connection starts at another kind).
    for (const k of r.kinds) expect(k.count, k.name).toBeGreaterThan(0);
  }, 120_000);
});
