/**
 * The one logger of the functions and the local tooling (the engine in lib/ never logs, and the store writes
 * no line today; when it does, it uses this): the shape of Powertools' Logger, small enough for the smallest
 * bundle. A line is
 * `{"level", "fn": <service>, ...persistent keys, "message"?, ...fields}` as one JSON text (the decision log
 * line of the functions is `{"level": "info", "fn", ...fields}`, exactly as before the logger existed).
 *
 *  - Levels `debug`, `info`, `warn`, `error`; `LOG_LEVEL` (any case; also `silent`) sets the least level
 *    written, default `info`. It is read when a line is written, never at import. Decision lines are
 *    `info`: `LOG_LEVEL=warn` keeps only warnings and faults.
 *  - `debug` and `info` go to console.log, `warn` to console.warn, `error` to console.error (looked up at
 *    each write, so whatever replaces them, a test spy or the Lambda runtime's, receives the line).
 *  - Persistent keys (`request_id`, ...) ride on a child logger: `log.child({ request_id })`. Children are
 *    cheap and never shared between requests, so concurrent invocations cannot mix their keys.
 *
 * Never log tokens, policy documents, names or context values (test/security.test.ts reads every line).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** The fields of a line: any object (interfaces of typed log fields included). */
export type LogFields = object;
/** Turns a line into text (default `JSON.stringify`; the local tooling prints plain messages, `plainText`). */
export type LogFormatter = (line: Record<string, unknown>) => string;

/** In rising order; `LOG_LEVEL` names the least level written (`silent`: none). */
const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

let levelText: string | undefined;
let threshold = 1;

/** Whether `level` is written under the current `LOG_LEVEL` (re-read when the variable changes). */
export function logLevelEnabled(level: LogLevel): boolean {
  const raw = process.env.LOG_LEVEL;
  if (raw !== levelText) {
    levelText = raw;
    // An array lookup, not an object one: `LOG_LEVEL=constructor` is not a level (info, like any unknown name).
    const rank = LEVELS.indexOf((raw ?? '').trim().toLowerCase());
    threshold = rank < 0 ? 1 : rank;
  }
  return LEVELS.indexOf(level) >= threshold;
}

export class Logger {
  constructor(
    /** Written as `fn` (the name every line of this service has carried). */
    readonly service?: string,
    private readonly keys?: LogFields,
    private readonly format: LogFormatter = JSON.stringify,
  ) {}

  /** A logger that adds `keys` to every line (after this logger's own). */
  child(keys: LogFields): Logger {
    return new Logger(this.service, { ...this.keys, ...keys }, this.format);
  }

  debug(message: string | LogFields, fields?: LogFields): void {
    this.write('debug', message, fields);
  }

  info(message: string | LogFields, fields?: LogFields): void {
    this.write('info', message, fields);
  }

  warn(message: string | LogFields, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  error(message: string | LogFields, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string | LogFields, fields: LogFields | undefined): void {
    if (!logLevelEnabled(level)) return;
    const line: Record<string, unknown> = { level };
    if (this.service !== undefined) line.fn = this.service;
    Object.assign(line, this.keys, typeof message === 'string' ? { message } : message, fields);
    (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(this.format(line));
  }
}

/**
 * For the local tooling (npm start, dynalite, the seed script), whose lines are read by people: the message
 * alone, then the other fields (but `level` and `fn`) as JSON when there are any.
 */
export const plainText: LogFormatter = ({ level: _level, fn: _fn, message, ...rest }) => {
  const text = typeof message === 'string' ? message : '';
  const more = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  return text && more ? `${text} ${more}` : text || more;
};
