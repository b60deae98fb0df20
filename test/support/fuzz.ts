/**
 * The input fuzzer's toolkit (test/fuzz-inputs.test.ts; `npm run fuzz:inputs` runs the same file with more
 * cases): a recording proxy in front of the local DynamoDB that counts writes, API Gateway v2 events with odd parts, a runner that checks every
 * reply (never a throw, never >= 500, a structured 4xx, a time budget) and that nothing stored changed
 * after a refused write, and the mutators that turn valid bodies into bad ones.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamo.js';
import type { HttpEvent, HttpResult } from '../../functions/shared/http.js';
import { localClient } from '../../infra/local/table.js';
import { LOCAL_JWT_SECRET } from '../../infra/local/token.js';
import { resetClient } from '../../store/client.js';
import { lambdaContext } from './events.js';

export type JsonLike = null | boolean | number | string | JsonLike[] | { [key: string]: JsonLike };
export type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Runs of the random families: FUZZ_RUNS (npm run fuzz:inputs) or the quick default of `npm test`. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? '') || 0;
/** A fixed seed in `npm test` (reproducible); FUZZ_SEED, or a random one, in the long run. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? '') || (FUZZ_RUNS > 0 ? Math.floor(Math.random() * 2 ** 31) : 20261122);
/**
 * The time budget of one call with at most 64 KiB of input (the local DynamoDB's serving time excluded). A
 * call over it fails only under FUZZ_STRICT_TIME=1 (`npm run fuzz:inputs`, on a quiet machine); in `npm test`
 * slow calls are reported, since work per request is held to its bound by step counts (test/bounds.test.ts,
 * test/adversary.test.ts), not by a clock of a shared CI machine.
 */
export const BUDGET_MS = 50;
/** Whether a call over BUDGET_MS fails (see above). */
export const STRICT_TIME = process.env.FUZZ_STRICT_TIME === '1';
/** Any call taking longer than this, the store's work included, is a hang. */
export const HANG_MS = 1000;
export const BODY_LIMIT = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------
// A proxy in front of the local DynamoDB (DynamoDB Local, infra/local/dynamo.ts) that counts write requests,
// so a refused call that wrote nothing needs no table comparison, and records how long each request took to
// be served (from its receipt to the end of its reply), which the time budget leaves out.

const WRITE_TARGETS = /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;

export interface FuzzDb {
  endpoint: string;
  tableName: string;
  /** Write requests received so far. */
  writes(): number;
  /** Requests of any kind received so far. */
  requests(): number;
  /** Milliseconds the local DynamoDB spent serving requests (from receipt to the end of the reply) within [from, to]. */
  busyBetween(from: number, to: number): number;
  /** Every item of the table, in key order, as one string (for before/after comparisons). */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

export async function startFuzzDb(name: string): Promise<FuzzDb> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  const db: LocalDynamo = await startLocalDynamo({ port: 0, tableName: name });
  const upstream = new URL(db.endpoint);
  let writes = 0;
  let requests = 0;
  let busy: Array<[number, number]> = [];
  const server: Server = createServer((req, res) => {
    requests++;
    const t0 = performance.now();
    res.on('finish', () => {
      if (busy.length > 10_000) busy = busy.slice(-1000);
      busy.push([t0, performance.now()]);
    });
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && WRITE_TARGETS.test(target)) writes++;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tableName = db.tableName;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.POLICY_TABLE = tableName;
  resetClient();
  const scanner = localClient(endpoint);
  return {
    endpoint,
    tableName,
    writes: () => writes,
    requests: () => requests,
    busyBetween: (from, to) => {
      // The union of the serving intervals, clipped to [from, to] (requests of one call may overlap).
      const spans = busy.filter(([a, b]) => b > from && a < to).map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]);
      spans.sort((x, y) => x[0] - y[0]);
      let total = 0;
      let end = -Infinity;
      for (const [a, b] of spans) {
        if (a > end) {
          total += b - a;
          end = b;
        } else if (b > end) {
          total += b - end;
          end = b;
        }
      }
      return total;
    },
    snapshot: async () => {
      const items: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await scanner.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
        for (const item of page.Items ?? []) items.push(canonical(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return items.sort().join('\n');
    },
    stop: async () => {
      resetClient();
      scanner.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.close();
    },
  };
}

/** JSON with object keys sorted (DynamoDB items come back in no particular key order). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

// ---------------------------------------------------------------------------------------------------------
// Events.

export interface EventSpec {
  method: string;
  /** The route template, e.g. `/v1/policies/{policy_id}` (also the route key). */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** The raw body text (already serialised), or undefined for none. */
  body?: string;
  headers?: Record<string, string>;
  token?: string;
  isBase64Encoded?: boolean;
}

let counter = 0;

/** An API Gateway HTTP API (payload 2.0) event, built from raw parts (nothing is validated or encoded). */
export function fuzzEvent(spec: EventSpec): HttpEvent {
  const routeKey = `${spec.method} ${spec.route}`;
  const rawPath = spec.route.replace(/\{([a-z_]+)\}/g, (_m, k: string) => spec.params?.[k] ?? '');
  const requestId = `req-fuzz-${++counter}`;
  const headers: Record<string, string> = { host: 'api.example.test' };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  if (spec.token !== undefined) headers.authorization = `Bearer ${spec.token}`;
  Object.assign(headers, spec.headers);
  for (const [k, v] of Object.entries(headers)) if (v === '\u0000delete') delete headers[k];
  const event: HttpEvent = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: Object.entries(spec.query ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('&'),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-1',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: spec.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'fuzz' },
      requestId,
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:05:00:00 +0000',
      timeEpoch: 1795323600000,
    },
    isBase64Encoded: spec.isBase64Encoded === true,
  };
  if (spec.params && Object.keys(spec.params).length > 0) event.pathParameters = { ...spec.params };
  if (spec.query && Object.keys(spec.query).length > 0) event.queryStringParameters = { ...spec.query };
  if (spec.body !== undefined) event.body = spec.body;
  return event;
}

/** A header value that removes the header (e.g. the default content-type). */
export const NO_HEADER = '\u0000delete';

// ---------------------------------------------------------------------------------------------------------
// The runner: every call is checked; times are recorded per function and family.

interface Attempt {
  result: HttpResult;
  /** The whole call. */
  ms: number;
  /** The call without the time the local DynamoDB spent serving its requests (DynamoDB's share, on AWS). */
  serviceMs: number;
}

export interface Sample {
  fn: string;
  family: string;
  label: string;
  /** The service's time (the local DynamoDB's serving time excluded), best attempt. */
  ms: number;
  /** The whole time of that attempt. */
  totalMs: number;
  /** The first attempt's time (a slow call is timed again). */
  firstMs: number;
  bytes: number;
  status: number;
  /** DynamoDB requests the call made (the local DynamoDB's work is part of its time). */
  store: number;
}

export interface Outcome {
  status: number;
  json: unknown;
  text: string;
  ms: number;
}

export interface CallMeta {
  fn: string;
  family: string;
  /** What was sent, for the failure message. */
  label: string;
  /** The call writes nothing even when it succeeds (GET), so a slow one may be timed again. */
  readOnly: boolean;
}

/** Error codes the service may answer bad input with (a structured 4xx), by status. */
const ERROR_KEYS = new Set(['code', 'message', 'details', 'request_id']);

export class FuzzRunner {
  readonly samples: Sample[] = [];
  readonly failures: string[] = [];
  /** Calls over the budget on every attempt (not a failure when only a successful write was slow: it cannot be replayed). */
  readonly slow: Array<{ fn: string; family: string; label: string; ms: number[]; replayed: boolean }> = [];
  calls = 0;
  /** Refused calls that sent write requests (conditional writes that failed, undone references): each compared to the table before. */
  refusedWithWrites = 0;
  private baseline: string | null = null;

  constructor(
    private readonly handlers: Readonly<Record<string, Handler>>,
    private readonly db: FuzzDb | null,
  ) {}

  /** Runs one call and checks it; a problem is recorded in `failures` (this never throws). */
  async call(spec: EventSpec, meta: CallMeta): Promise<Outcome | null> {
    const handler = this.handlers[meta.fn];
    if (!handler) throw new Error(`no handler ${meta.fn}`);
    const bytes = (spec.body?.length ?? 0) + Object.values(spec.params ?? {}).reduce((n, v) => n + v.length, 0) + Object.values(spec.query ?? {}).reduce((n, v) => n + v.length, 0);
    const writesBefore = this.db?.writes() ?? 0;
    const requestsBefore = this.db?.requests() ?? 0;
    const first = await this.once(handler, spec);
    const store = (this.db?.requests() ?? 0) - requestsBefore;
    this.calls++;
    if ('error' in first) {
      this.fail(meta, `threw ${first.error}`);
      return null;
    }
    const wrote = (this.db?.writes() ?? 0) - writesBefore;
    const problem = checkReply(first.result);
    if (problem) this.fail(meta, `${problem}: ${String(first.result.statusCode)} ${(first.result.body ?? '').slice(0, 300)}`);
    const status = first.result.statusCode ?? 200;
    // Nothing stored changes on a refused call: it sent no write, or the table is as it was.
    if (this.db && wrote > 0) {
      const after = await this.db.snapshot();
      if (status >= 400) this.refusedWithWrites++;
      if (status >= 400 && this.baseline !== null && after !== this.baseline) this.fail(meta, `refused with ${status} but changed the table (${wrote} write requests)`);
      this.baseline = after;
    }
    const attempts = [first];
    const best = (): Attempt => attempts.reduce((a, b) => (b.serviceMs < a.serviceMs ? b : a));
    const replayable = meta.readOnly || status >= 400;
    if (bytes <= BODY_LIMIT && first.serviceMs >= BUDGET_MS) {
      if (replayable) {
        // A noisy, shared machine: a slow call is timed again, at most twice, after a pause (30 ms, then
        // 150 ms) that lets a burst of load or a collection pass, before it counts as slow.
        for (let i = 0; i < 2 && best().serviceMs >= BUDGET_MS; i++) {
          await new Promise((resolve) => setTimeout(resolve, i === 0 ? 30 : 150));
          const again = await this.once(handler, spec);
          if ('result' in again) attempts.push(again);
        }
      }
      if (best().serviceMs >= BUDGET_MS) {
        this.slow.push({ fn: meta.fn, family: meta.family, label: meta.label, ms: attempts.map((a) => a.serviceMs), replayed: replayable });
        if (replayable && STRICT_TIME)
          this.fail(meta, `took ${attempts.map((a) => `${a.serviceMs.toFixed(1)} (${a.ms.toFixed(1)} with the store)`).join(', ')} ms (budget ${BUDGET_MS} ms, ${bytes} bytes of input)`);
      }
    }
    // A hang guard on the whole time, the store's work included.
    if (bytes <= BODY_LIMIT && replayable && best().ms >= HANG_MS) this.fail(meta, `took ${best().ms.toFixed(1)} ms with the store (over ${HANG_MS} ms)`);
    const b = best();
    this.samples.push({ fn: meta.fn, family: meta.family, label: meta.label.slice(0, 120), ms: b.serviceMs, totalMs: b.ms, firstMs: first.ms, bytes, status, store });
    const text = first.result.body ?? '';
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, json, text, ms: b.serviceMs };
  }

  /** Takes a fresh snapshot of the table as the baseline (after set-up, or after a write outside the runner). */
  async rebase(): Promise<void> {
    if (this.db) this.baseline = await this.db.snapshot();
  }

  private async once(handler: Handler, spec: EventSpec): Promise<Attempt | { error: string }> {
    const event = fuzzEvent(spec);
    const t0 = performance.now();
    try {
      const result = await handler(event, lambdaContext);
      const t1 = performance.now();
      const ms = t1 - t0;
      return { result, ms, serviceMs: ms - (this.db?.busyBetween(t0, t1) ?? 0) };
    } catch (err) {
      return { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  }

  private fail(meta: CallMeta, what: string): void {
    if (this.failures.length < 50) this.failures.push(`[${meta.fn} / ${meta.family}] ${meta.label.slice(0, 300)}: ${what}`);
  }

  /** Per function (or family), for calls with at most 64 KiB of input: calls, median, p99 and max of the service's time and of the whole time. */
  report(by: 'fn' | 'family' = 'fn'): Array<{ key: string; calls: number; p50: number; p99: number; max: number; totalP99: number; totalMax: number; maxBytes: number }> {
    const groups = new Map<string, Sample[]>();
    for (const s of this.samples) {
      if (s.bytes > BODY_LIMIT) continue;
      const key = s[by];
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(s);
    }
    const quantile = (xs: number[], q: number): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
    };
    return [...groups.entries()]
      .map(([key, list]) => {
        const ms = list.map((s) => s.ms);
        const total = list.map((s) => s.totalMs);
        return {
          key,
          calls: list.length,
          p50: quantile(ms, 0.5),
          p99: quantile(ms, 0.99),
          max: quantile(ms, 1),
          totalP99: quantile(total, 0.99),
          totalMax: quantile(total, 1),
          maxBytes: Math.max(...list.map((s) => s.bytes)),
        };
      })
      .sort((a, b) => a.key.localeCompare(b.key));
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** What is wrong with a reply, or null: a status below 500, JSON bodies, and the structured error shape for 4xx. */
export function checkReply(r: HttpResult): string | null {
  if (typeof r !== 'object' || r === null) return 'not a result object';
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status)) return 'no status code';
  if (status >= 500) return `status ${status}`;
  const body = r.body ?? '';
  if (status === 204 || status === 304) return body === '' ? null : `a ${status} with a body`;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'a body that is not JSON';
  }
  if (status < 400) return null;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'an error body that is not an object';
  const top = Object.keys(json);
  if (top.length !== 1 || top[0] !== 'error') return `error body keys ${top.join(',')}`;
  const e = (json as { error: unknown }).error;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'error is not an object';
  const err = e as Record<string, unknown>;
  for (const k of Object.keys(err)) if (!ERROR_KEYS.has(k)) return `unexpected error key ${k}`;
  if (typeof err.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(err.code)) return `error code ${String(err.code)}`;
  if (typeof err.message !== 'string' || err.message.length === 0) return 'no error message';
  if (/\n\s+at |node_modules|\.ts:\d+/.test(err.message)) return 'a stack trace in the message';
  if (typeof err.request_id !== 'string' || err.request_id === '') return 'no request_id';
  const type = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (typeof type !== 'string' || !type.startsWith('application/json')) return `content-type ${String(type)}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Walking and mutating JSON values.

export type Path = Array<string | number>;

/** Every path of a value (the root excluded), parents before children. */
export function paths(v: JsonLike, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...prefix, i]);
      out.push(...paths(x, [...prefix, i]));
    });
  } else if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push([...prefix, k]);
      out.push(...paths(v[k] as JsonLike, [...prefix, k]));
    }
  }
  return out;
}

export const clone = <T>(v: T): T => structuredClone(v);

export function getAt(v: JsonLike, path: Path): JsonLike | undefined {
  let cur: JsonLike | undefined = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, JsonLike>)[k];
  }
  return cur;
}

/** A copy with the value at `path` replaced (or removed: `undefined`). Own keys only: `__proto__` is a key. */
export function setAt(v: JsonLike, path: Path, replacement: JsonLike | undefined): JsonLike {
  if (path.length === 0) return replacement === undefined ? null : replacement;
  const out = clone(v);
  let cur: JsonLike = out;
  for (let i = 0; i < path.length - 1; i++) cur = (cur as Record<string | number, JsonLike>)[path[i] as string | number] as JsonLike;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(cur)) {
    if (replacement === undefined) cur.splice(last as number, 1);
    else cur[last as number] = replacement;
  } else if (cur && typeof cur === 'object') {
    if (replacement === undefined) delete cur[last as string];
    else defineKey(cur, String(last), replacement);
  }
  return out;
}

/** Adds a key as an own, enumerable property (so `__proto__` is serialised as a key, not set as a prototype). */
export function defineKey(o: { [key: string]: JsonLike }, key: string, value: JsonLike): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Every object in a value (the root included), with its path. */
export function objectPaths(v: JsonLike, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (v && typeof v === 'object' && !Array.isArray(v)) out.push(prefix);
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...objectPaths(x as JsonLike, [...prefix, Array.isArray(v) ? Number(k) : k]));
  return out;
}

/** Paths of the string values. */
export function stringPaths(v: JsonLike): Path[] {
  return paths(v).filter((p) => typeof getAt(v, p) === 'string');
}

/** A value of every JSON type but the one at hand (and a few edge values of each). */
export const WRONG_TYPES: readonly JsonLike[] = [null, 0, -1, 1.5, 1e308, '', 'x', [], [null], {}, { a: 1 }, true, false];

/** Serialises with one member of the object at `path` written twice (the later one wins when read). */
export function withDuplicateKey(v: JsonLike, path: Path, key: string, second: JsonLike): string {
  const marker = '\u0001DUP\u0001';
  const target = getAt(v, path);
  if (!target || typeof target !== 'object' || Array.isArray(target)) return JSON.stringify(v);
  const copy = setAt(v, [...path, marker], 0);
  return JSON.stringify(copy).replace(`"${marker}":0`, `${JSON.stringify(key)}:${JSON.stringify(getAt(v, [...path, key]) ?? 1)},${JSON.stringify(key)}:${JSON.stringify(second)}`);
}

/** Serialises with the value at `path` replaced by raw JSON text (a number literal, a deep nest ...). */
export function withRawAt(v: JsonLike, path: Path, raw: string): string {
  const marker = '\u0001RAW\u0001';
  return JSON.stringify(setAt(v, path, marker)).replace(JSON.stringify(marker), () => raw);
}

// ---------------------------------------------------------------------------------------------------------
// Families of bad input.

/** Bodies that are not JSON (or not I-JSON). */
export function invalidJsonTexts(valid: string): Array<[string, string]> {
  const fixed: Array<[string, string]> = [
    ['open brace', '{'],
    ['close brace', '}'],
    ['missing value', '{"a":}'],
    ['missing colon', '{"a" 1}'],
    ['trailing comma in object', '{"a":1,}'],
    ['trailing comma in array', '[1,]'],
    ['two values', '{"a":1} {"b":2}'],
    ['BOM twice', '\ufeff\ufeff{}'],
    ['NaN', '{"a":NaN}'],
    ['bare NaN', 'NaN'],
    ['Infinity', '{"a":Infinity}'],
    ['-Infinity', '-Infinity'],
    ['undefined', '{"a":undefined}'],
    ['single quotes', "{'a':1}"],
    ['unquoted key', '{a:1}'],
    ['block comment', '{"a":1 /* c */}'],
    ['line comment', '// c\n{}'],
    ['hex escape', '{"a":"\\x41"}'],
    ['short unicode escape', '{"a":"\\u12"}'],
    ['raw tab in string', '{"a":"\t"}'],
    ['raw NUL in string', '{"a":"\u0000"}'],
    ['raw newline in string', '{"a":"\n"}'],
    ['leading zero', '{"a":01}'],
    ['leading dot', '{"a":.5}'],
    ['plus sign', '{"a":+1}'],
    ['hex number', '{"a":0x10}'],
    ['lone minus', '{"a":-}'],
    ['exponent without digits', '{"a":1e}'],
    ['1e999', '{"a":1e999}'],
    ['-1e999', '[-1e999]'],
    ['400 nines', `[${'9'.repeat(400)}]`],
    ['escaped lone high surrogate', '{"a":"\\ud800"}'],
    ['escaped lone low surrogate', '{"\\udc00":1}'],
    ['reversed surrogate pair', '{"a":"\\udc00\\ud800"}'],
    ['raw lone surrogate', '{"a":"\ud800"}'],
    ['unclosed string', '{"a":"abc'],
    ['only whitespace', ' \t\r\n '],
    ['NUL byte', '\u0000'],
    ['True', 'True'],
    ['nul', 'nul'],
    ['array close mismatch', '[1}'],
    ['object close mismatch', '{"a":1]'],
  ];
  const out = [...fixed];
  for (const cut of [1, 2, Math.floor(valid.length / 3), Math.floor(valid.length / 2), valid.length - 1]) if (cut > 0 && cut < valid.length) out.push([`truncated at ${cut}`, valid.slice(0, cut)]);
  out.push(['trailing garbage', `${valid}x`], ['trailing comma', `${valid},`], ['BOM then valid', `\ufeff${valid}`], ['valid twice', `${valid}${valid}`], ['wrapped in array', `[${valid}]`]);
  return out;
}

/** Raw number literals at a JSON value's place. */
export const NUMBER_LITERALS: readonly string[] = [
  '1e999',
  '-1e999',
  '18446744073709551616',
  '-0',
  '1e-400',
  '1.7976931348623157e308',
  '-9007199254740993',
  '0e99999999',
  '5e-324',
  '123456789012345678901234567890',
];

/** Deeply nested texts, as a whole body or at a field. */
export function deepTexts(depth: number): Array<[string, string]> {
  return [
    [`${depth} [`, '['.repeat(depth)],
    [`${depth} [] closed`, `${'['.repeat(depth)}${']'.repeat(depth)}`],
    [`${depth} {"a":`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
    [`${depth} [{`, `${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`],
    [`${depth} unclosed {"a":`, '{"a":'.repeat(depth)],
  ];
}

/** Unicode edge cases, as JS strings (serialised by JSON.stringify, so lone surrogates become \uXXXX escapes). */
export const UNICODE_STRINGS: ReadonlyArray<[string, string]> = [
  ['U+0000', 'a\u0000b'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udfff'],
  ['BOM', '\ufeffname'],
  ['RTL override', 'admin\u202egnp.exe'],
  ['combining marks', 'e\u0301\u0302\u0303'],
  ['zalgo', 'Z\u0334\u0327\u031b\u0329\u034e\u0330\u034e\u0345'],
  ['emoji', 'name-\u{1f600}'],
  ['ZWJ family', '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}'],
  ['U+FFFF', '\uffff'],
  ['line separators', 'a\u2028b\u2029c'],
  ['dotted capital I', '\u0130MS:\u0130mages:Get'],
  ['sharp s', 'stra\u00dfe'],
  ['full-width', '\uff29\uff2d\uff33'],
  ['NEL and DEL', 'a\u0085b\u007f'],
  ['Arabic', '\u0645\u0631\u062d\u0628\u0627'],
  ['non-characters', '\ufdd0\u{10ffff}'],
];

/** Raw (not escaped) texts that JSON.stringify would not produce. */
export const RAW_UNICODE_BODIES: ReadonlyArray<[string, string]> = [
  ['raw lone surrogate in a string', '{"name":"\ud800"}'],
  ['raw surrogate pair split by an escape', '{"name":"\ud83d\\ude00"}'],
  ['escaped pair', '{"name":"\\ud83d\\ude00"}'],
  ['overlong-looking escape', '{"name":"\\u0000\\u00c0\\u00af"}'],
  ['raw U+2028 outside strings', '{"name":\u2028"x"}'],
];

/** Bytes that are not valid UTF-8 (for base64 bodies). */
export const BAD_UTF8: ReadonlyArray<[string, number[]]> = [
  ['0xff 0xfe', [0xff, 0xfe, 0x7b, 0x7d]],
  ['overlong slash', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
  ['encoded surrogate', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]],
  ['truncated sequence', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]],
  ['latin-1', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x63, 0x61, 0x66, 0xe9, 0x22, 0x7d]],
];

/** Wildcard-heavy patterns: thousands of `*` and `?`. */
export function wildcardPatterns(n: number): Array<[string, string]> {
  return [
    [`${n} *`, '*'.repeat(n)],
    [`${n} ?`, '?'.repeat(n)],
    [`${n / 2} *?`, '*?'.repeat(n / 2)],
    [`${n / 2} ?*`, '?*'.repeat(n / 2)],
    [`${n / 2} *a`, '*a'.repeat(n / 2)],
    [`${n / 3} a?b`, `*${'a?b'.repeat(n / 3)}*`],
    [`${n / 2} a? then b`, `*${'a?'.repeat(n / 2)}b*`],
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Random mutations of a valid body (fast-check).

/** A mutated body (the text sent): 1-4 of replace (wrong type, random JSON), delete, duplicate, add, stringify, grow, truncate. */
export function mutatedBody(valid: JsonLike): fc.Arbitrary<string> {
  const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonLike>;
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  return fc.tuple(fc.array(fc.tuple(fc.nat(8), fc.nat(10_000), json, text), { minLength: 1, maxLength: 4 }), fc.nat(8)).map(([ops, finish]) => {
    let v: JsonLike = clone(valid);
    for (const [kind, at, randomJson, randomText] of ops) {
      const all = paths(v);
      const path = all.length > 0 ? (all[at % all.length] as Path) : [];
      const here = getAt(v, path);
      switch (kind) {
        case 0:
          v = setAt(v, path, WRONG_TYPES[at % WRONG_TYPES.length] as JsonLike);
          break;
        case 1:
          v = setAt(v, path, randomJson);
          break;
        case 2:
          if (path.length > 0) v = setAt(v, path, undefined);
          break;
        case 3: {
          const objects = objectPaths(v);
          const target = objects[at % Math.max(1, objects.length)];
          if (target) v = setAt(v, [...target, randomText || '__proto__'], randomJson);
          break;
        }
        case 4:
          if (here !== undefined && typeof here === 'object' && here !== null) v = setAt(v, path, JSON.stringify(here));
          break;
        case 5:
          if (Array.isArray(here) && here.length > 0)
            v = setAt(
              v,
              path,
              Array.from({ length: 1 + (at % 200) }, () => clone(here[0]) as JsonLike),
            );
          break;
        case 6:
          if (typeof here === 'string') v = setAt(v, path, here.repeat(1 + (at % 50)) + randomText);
          break;
        case 7:
          if (typeof here === 'string') v = setAt(v, path, randomText);
          break;
        default:
          if (Array.isArray(here)) v = setAt(v, path, []);
      }
    }
    const serialised = JSON.stringify(v) ?? 'null';
    // Sometimes the text itself: a duplicated member, a cut, a flipped character.
    if (finish === 0) {
      const target = objectPaths(v)[0];
      const key = target ? Object.keys(getAt(v, target) as object)[0] : undefined;
      if (target && key !== undefined) return withDuplicateKey(v, target, key, null);
    }
    if (finish === 1) return serialised.slice(0, Math.max(1, serialised.length - 1 - (ops.length % serialised.length)));
    if (finish === 2 && serialised.length > 2) {
      const i = ops[0]![1] % serialised.length;
      return serialised.slice(0, i) + String.fromCharCode(ops[0]![1] % 128) + serialised.slice(i + 1);
    }
    return serialised;
  });
}

/** Random JSON values and random text as whole bodies. */
export const randomBodies: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => `{"a":${JSON.stringify(s)}}`),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }).map((d) => JSON.stringify(d)),
);

export function sample<T>(arb: fc.Arbitrary<T>, runs: number, seed: number): T[] {
  return fc.sample(arb, { numRuns: runs, seed });
}
