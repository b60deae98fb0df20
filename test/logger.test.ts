/**
 * The one logger (lib/util/logger.ts): JSON lines `{level, fn, ...keys, message?, ...fields}` through
 * console.log / console.warn / console.error, LOG_LEVEL read when a line is written (never at import),
 * child loggers for persistent keys, and the decision log line byte for byte as it always was.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { writeDecisionLog } from '../functions/shared/middlewares.js';
import { Logger, logLevelEnabled, plainText } from '../lib/util/logger.js';

type Spy = MockInstance<(...args: unknown[]) => void>;
let out: { log: Spy; warn: Spy; error: Spy };
const saved = process.env.LOG_LEVEL;

beforeEach(() => {
  delete process.env.LOG_LEVEL;
  out = {
    log: vi.spyOn(console, 'log').mockImplementation(() => undefined),
    warn: vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    error: vi.spyOn(console, 'error').mockImplementation(() => undefined),
  };
});
afterEach(() => {
  vi.restoreAllMocks();
  if (saved === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = saved;
});

const lines = (spy: Spy): string[] => spy.mock.calls.map((c) => String(c[0]));

describe('Logger', () => {
  it('writes one JSON line: level, fn (the service), persistent keys, message, fields, in that order', () => {
    new Logger('batch', { message_id: 'm-1' }).error('message not processed', { error: 'Boom: x' });
    expect(lines(out.error)).toEqual(['{"level":"error","fn":"batch","message_id":"m-1","message":"message not processed","error":"Boom: x"}']);
    expect(out.log).not.toHaveBeenCalled();
  });

  it('sends debug and info to console.log, warn to console.warn, error to console.error', () => {
    process.env.LOG_LEVEL = 'debug';
    const log = new Logger('x');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines(out.log).map((l) => JSON.parse(l).level)).toEqual(['debug', 'info']);
    expect(lines(out.warn).map((l) => JSON.parse(l).level)).toEqual(['warn']);
    expect(lines(out.error).map((l) => JSON.parse(l).level)).toEqual(['error']);
  });

  it('a logger without a service writes no fn; fields alone make a line without a message', () => {
    new Logger(undefined, { request_id: 'r-1' }).error('unhandled error', { error: 'stack' });
    new Logger().info({ a: 1 });
    expect(lines(out.error)).toEqual(['{"level":"error","request_id":"r-1","message":"unhandled error","error":"stack"}']);
    expect(lines(out.log)).toEqual(['{"level":"info","a":1}']);
  });

  it('child loggers add keys without changing their parent or each other (concurrent requests do not mix)', () => {
    const root = new Logger('evaluate');
    const a = root.child({ request_id: 'a' });
    const b = root.child({ request_id: 'b' });
    const a2 = a.child({ decision_id: 'd' });
    a.info('x');
    b.info('x');
    a2.info('x');
    root.info('x');
    expect(lines(out.log).map((l) => JSON.parse(l))).toEqual([
      { level: 'info', fn: 'evaluate', request_id: 'a', message: 'x' },
      { level: 'info', fn: 'evaluate', request_id: 'b', message: 'x' },
      { level: 'info', fn: 'evaluate', request_id: 'a', decision_id: 'd', message: 'x' },
      { level: 'info', fn: 'evaluate', message: 'x' },
    ]);
  });

  it('LOG_LEVEL: default info; any case and spaces; silent; anything else is info; read at each write', () => {
    const log = new Logger('x');
    log.debug('hidden by default');
    expect(out.log).not.toHaveBeenCalled();
    const cases: Array<[string | undefined, Record<'debug' | 'info' | 'warn' | 'error', boolean>]> = [
      [undefined, { debug: false, info: true, warn: true, error: true }],
      ['DEBUG', { debug: true, info: true, warn: true, error: true }],
      [' Warn ', { debug: false, info: false, warn: true, error: true }],
      ['error', { debug: false, info: false, warn: false, error: true }],
      ['SILENT', { debug: false, info: false, warn: false, error: false }],
      ['verbose', { debug: false, info: true, warn: true, error: true }],
      ['constructor', { debug: false, info: true, warn: true, error: true }],
      ['__proto__', { debug: false, info: true, warn: true, error: true }],
      ['', { debug: false, info: true, warn: true, error: true }],
    ];
    for (const [value, expected] of cases) {
      if (value === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = value;
      for (const level of ['debug', 'info', 'warn', 'error'] as const) expect(logLevelEnabled(level), `LOG_LEVEL=${value} ${level}`).toBe(expected[level]);
    }
    process.env.LOG_LEVEL = 'error';
    log.warn('filtered');
    log.error('written');
    expect(lines(out.warn)).toEqual([]);
    expect(lines(out.error)).toHaveLength(1);
  });

  it('looks console up at each write (a spy installed later still receives the line)', () => {
    const log = new Logger('x');
    out.log.mockRestore();
    const later = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    log.info('after');
    expect(later).toHaveBeenCalledTimes(1);
  });

  it('plainText: the message, then the other fields as JSON', () => {
    const log = new Logger('local-stack', undefined, plainText);
    log.info('Ready in 3.2 s.');
    log.error('failed', { code: 2 });
    log.info({ only: 'fields' });
    expect(lines(out.log)).toEqual(['Ready in 3.2 s.', '{"only":"fields"}']);
    expect(lines(out.error)).toEqual(['failed {"code":2}']);
  });
});

describe('the decision log line', () => {
  it('is {"level":"info","fn", ...fields} exactly, as before the logger', () => {
    const fields = {
      request_id: 'r',
      status: 200,
      latency_ms: 3,
      decision_id: 'd',
      caller_account: 'acc-1',
      action: 'ims:images:get',
      resource: 'ims:cn-north-4:acc-1:image:x',
      decision: 'allow',
      reason: 'allowed',
      catalog_version: 'c',
    };
    writeDecisionLog('evaluate', fields);
    writeDecisionLog('explain', { latency_ms: 1, error_code: 'INVALID_JSON' });
    expect(lines(out.log)).toEqual([JSON.stringify({ level: 'info', fn: 'evaluate', ...fields }), JSON.stringify({ level: 'info', fn: 'explain', latency_ms: 1, error_code: 'INVALID_JSON' })]);
  });
});
