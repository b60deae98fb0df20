/**
 * A strict JSON parser that remembers where every value came from, so findings can point at the text
 * (line, column, offset) as well as at a JSON Pointer. It never throws: syntax errors are returned with
 * their position. Objects are built so that `__proto__` is an ordinary key, and nesting is bounded.
 * It reads I-JSON (RFC 7493): numbers beyond the double range and unpaired surrogates are syntax errors.
 */
import type { JsonValue, Position, Span } from '../types.js';
import { work } from '../steps.js';

/**
 * Where every value (and member key) of a parsed text is, looked up by JSON Pointer. The pointers are not
 * made while parsing: a value's pointer repeats every key above it, so a text of long keys nested deep
 * would make a quadratic amount of pointer text (a 60 KB body made 450 MB of them and took minutes). The
 * map is a tree of nodes instead, and a lookup walks it by the pointer's tokens: linear in the text to
 * build, linear in the pointer to look up.
 */
export interface SourceMap {
  /** Span of the value at a JSON Pointer. */
  valueSpan(pointer: string): Span | undefined;
  /** Span of the key of the object member at a JSON Pointer (for "unknown element" findings). */
  keySpan(pointer: string): Span | undefined;
  /** Keys that appear twice in one object: the later occurrence, as the object and the key. */
  duplicates: DuplicateKey[];
}

export interface DuplicateKey {
  /** Pointer of the later occurrence (made when asked for). */
  pointer(): string;
}

/** A value of the text: its place (parent, token), its span, its key's span, its members or items. */
interface SourceNode {
  parent: SourceNode | null;
  token: string;
  start: number;
  end: number;
  keyStart: number;
  keyEnd: number;
  children: Map<string, SourceNode> | null;
}

function pointerOf(node: SourceNode): string {
  const tokens: string[] = [];
  for (let n: SourceNode | null = node; n !== null && n.parent !== null; n = n.parent) tokens.push(escapePointerToken(n.token));
  work.steps += tokens.length;
  return tokens.length === 0 ? '' : `/${tokens.reverse().join('/')}`;
}

/** Unescapes the reference tokens of a JSON Pointer (RFC 6901); null if it is not one. */
function pointerTokens(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (pointer[0] !== '/') return null;
  work.steps += pointer.length;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => (t.indexOf('~') === -1 ? t : t.replace(/~1/g, '/').replace(/~0/g, '~')));
}

export type ParseOutcome = { ok: true; value: JsonValue; map: SourceMap } | { ok: false; message: string; position: Position };

export const MAX_JSON_DEPTH = 64;

/** A surrogate code unit that is not half of a pair (with the `u` flag, pairs are one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Escapes one reference token of a JSON Pointer (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.indexOf('~') === -1 && token.indexOf('/') === -1 ? token : token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(parent: string, token: string | number): string {
  return `${parent}/${typeof token === 'number' ? token : escapePointerToken(token)}`;
}

class JsonSyntaxError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** Line/column of an offset; computed lazily with a line-start table. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number), offset };
  }
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}

export function parseJsonWithSource(text: string): ParseOutcome {
  const lines = new LineIndex(text);
  const root: SourceNode = { parent: null, token: '', start: 0, end: 0, keyStart: -1, keyEnd: -1, children: null };
  const duplicates: DuplicateKey[] = [];
  const find = (ptr: string): SourceNode | undefined => {
    const tokens = pointerTokens(ptr);
    if (tokens === null) return undefined;
    let node: SourceNode | undefined = root;
    for (const t of tokens) {
      node = node.children?.get(t);
      if (node === undefined) return undefined;
    }
    return node;
  };
  const map: SourceMap = {
    valueSpan: (ptr) => {
      const node = find(ptr);
      return node === undefined || node.end <= node.start ? undefined : lines.span(node.start, node.end);
    },
    keySpan: (ptr) => {
      const node = find(ptr);
      return node === undefined || node.keyStart < 0 ? undefined : lines.span(node.keyStart, node.keyEnd);
    },
    duplicates,
  };
  let i = 0;
  const n = text.length;

  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, Math.min(at, n));
  };
  const skipWs = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describe = (at: number): string => {
    if (at >= n) return 'end of input';
    const ch = text[at] as string;
    return `'${ch === '\n' ? '\\n' : ch}'`;
  };

  const parseString = (): string => {
    // text[i] === '"'
    const start = i;
    i++;
    let out = '';
    let chunkStart = i;
    let hasSurrogate = false;
    while (true) {
      if (i >= n) fail('Unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunkStart, i);
        i++;
        // I-JSON (RFC 7493): no unpaired surrogates (raw or escaped); they are not text and do not survive UTF-8.
        if (hasSurrogate && LONE_SURROGATE.test(out)) fail('Unpaired UTF-16 surrogate in string (not valid Unicode)', start);
        return out;
      }
      if (c === 92) {
        out += text.slice(chunkStart, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\u escape in string', i);
            const code = parseInt(hex, 16);
            if (code >= 0xd800 && code <= 0xdfff) hasSurrogate = true;
            out += String.fromCharCode(code);
            i += 4;
            break;
          }
          default:
            fail('Invalid escape in string', i);
        }
        i += 2;
        chunkStart = i;
        continue;
      }
      if (c < 32) fail('Control character in string (escape it)', i);
      if (c >= 0xd800 && c <= 0xdfff) hasSurrogate = true;
      i++;
    }
  };

  const parseNumber = (): number => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] !== undefined && text[i]! >= '1' && text[i]! <= '9') {
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    } else fail(`Invalid number: unexpected ${describe(i)}`);
    if (text[i] === '.') {
      i++;
      if (!(text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9')) fail('Invalid number: digit expected after the decimal point');
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9')) fail('Invalid number: digit expected in the exponent');
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    }
    const value = Number(text.slice(start, i));
    // I-JSON (RFC 7493): a number must fit a double; 1e999 would silently become Infinity (and null when stored).
    if (!Number.isFinite(value)) fail('Number out of range (beyond the double-precision range)', start);
    return value;
  };

  const parseValue = (node: SourceNode, depth: number): JsonValue => {
    skipWs();
    if (i >= n) fail('Unexpected end of input: a value was expected');
    const start = i;
    const c = text[i];
    let value: JsonValue;
    if (c === '{') {
      if (depth >= MAX_JSON_DEPTH) fail(`Nesting deeper than ${MAX_JSON_DEPTH} levels`);
      i++;
      const obj: { [key: string]: JsonValue } = {};
      skipWs();
      if (text[i] === '}') i++;
      else {
        while (true) {
          skipWs();
          if (text[i] !== '"') fail(`Expected a property name in double quotes, found ${describe(i)}`);
          const keyStart = i;
          const key = parseString();
          // The later of two equal keys wins (as JSON.parse): its node replaces the earlier one.
          const member: SourceNode = { parent: node, token: key, start: 0, end: 0, keyStart, keyEnd: i, children: null };
          const children = (node.children ??= new Map());
          if (Object.prototype.hasOwnProperty.call(obj, key)) duplicates.push({ pointer: () => pointerOf(member) });
          children.set(key, member);
          skipWs();
          if (text[i] !== ':') fail(`Expected ':' after property name, found ${describe(i)}`);
          i++;
          const v = parseValue(member, depth + 1);
          // defineProperty keeps "__proto__" an own data property instead of changing the prototype.
          Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
          skipWs();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            break;
          }
          fail(`Expected ',' or '}' in object, found ${describe(i)}`);
        }
      }
      value = obj;
    } else if (c === '[') {
      if (depth >= MAX_JSON_DEPTH) fail(`Nesting deeper than ${MAX_JSON_DEPTH} levels`);
      i++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[i] === ']') i++;
      else {
        while (true) {
          const item: SourceNode = { parent: node, token: String(arr.length), start: 0, end: 0, keyStart: -1, keyEnd: -1, children: null };
          (node.children ??= new Map()).set(item.token, item);
          arr.push(parseValue(item, depth + 1));
          skipWs();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            break;
          }
          fail(`Expected ',' or ']' in array, found ${describe(i)}`);
        }
      }
      value = arr;
    } else if (c === '"') {
      value = parseString();
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      value = parseNumber();
    } else if (text.startsWith('true', i)) {
      i += 4;
      value = true;
    } else if (text.startsWith('false', i)) {
      i += 5;
      value = false;
    } else if (text.startsWith('null', i)) {
      i += 4;
      value = null;
    } else {
      fail(`Unexpected ${describe(i)}: a value was expected`);
      value = null;
    }
    node.start = start;
    node.end = i;
    work.steps += 1;
    return value;
  };

  try {
    // A UTF-8 byte order mark is tolerated.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    work.steps += n;
    const value = parseValue(root, 0);
    skipWs();
    if (i < n) fail(`Unexpected ${describe(i)} after the end of the JSON value`);
    return { ok: true, value, map };
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      return { ok: false, message: err.message, position: lines.position(err.offset) };
    }
    throw err;
  }
}

export type ValueOutcome = { ok: true; value: JsonValue } | { ok: false; message: string; position: Position };

/** Whether a value JSON.parse produced keeps the rules above: bounded nesting, finite numbers, well-formed strings. */
function readsAsStrictJson(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object' || v === null) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!readsAsStrictJson(v[i], depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(v)) {
    if (LONE_SURROGATE.test(key) || !readsAsStrictJson((v as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * The same reading as parseJsonWithSource, without the source map: the engine's own JSON.parse (which
 * also keeps `__proto__` an own key, and of duplicate keys the last), checked for the rules it does not
 * enforce (nesting, I-JSON). Input it refuses, or that breaks a rule, goes through parseJsonWithSource for
 * the message and the position (a leading byte order mark too, which JSON.parse does not accept).
 */
export function parseJson(text: string): ValueOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value !== undefined && readsAsStrictJson(value, 0)) return { ok: true, value: value as JsonValue };
  const slow = parseJsonWithSource(text);
  return slow.ok ? { ok: true, value: slow.value } : slow;
}
