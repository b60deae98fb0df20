/**
 * Compiled conditions. Policy values are parsed once (numbers, dates, IP ranges, globs, lower-cased
 * strings); a request value is read per comparison and, if it cannot be read as the operator's type,
 * the comparison is false (for negated operators too). An operator whose family does not fit the key's
 * catalog type (NumberEquals on g:UserName) never matches a value: Huawei's condition "always fails to
 * match" then (docs/semantics.md, "Conditions").
 */
import { conditionKeyInfo, normalizeConditionKey } from '../catalog/catalog.js';
import { compileGlob } from '../match/glob.js';
import type { ParsedCondition } from '../policy/model.js';
import { familyFitsKeyType, type OperatorInfo, type Qualifier } from '../policy/operators.js';
import { ipInRange, readBool, readDate, readIp, readIpRange, readNumber, type IpAddr, type IpRange } from '../policy/values.js';
import type { ContextScalar } from '../types.js';
import { scalarToString, type ContextValues, type RequestContext } from './context.js';

/** Positive comparison of one request value against all policy values; `undefined` = unreadable. */
type ValueTest = (v: ContextScalar) => boolean | undefined;

export interface CompiledCondition {
  /** Normalised key (lower-case name, case-sensitive tag key). */
  key: string;
  source: ParsedCondition;
  op: OperatorInfo;
  qualifier: Qualifier | null;
  ifExists: boolean;
  test: ValueTest;
  /** For `Null`: which answers the policy accepts. */
  nullAcceptsAbsent: boolean;
  nullAcceptsPresent: boolean;
  /** The result when the key is unknown (three-valued evaluation): see `resultWhateverTheValues`. */
  whenUnknown: Tri;
  /** The operator's family does not fit the key's catalog type: no request value ever matches. */
  typeMismatch: boolean;
}

/** A three-valued result: false, true, or unknown (it depends on keys the request marks unknown). */
export type Tri = 0 | 1 | 2;
export const UNKNOWN: Tri = 2;

export function compileCondition(c: ParsedCondition): CompiledCondition {
  const op = c.operator.info;
  const key = normalizeConditionKey(c.key).normalized;
  const values = c.values;
  const keyInfo = conditionKeyInfo(c.key);
  const typeMismatch = keyInfo !== undefined && !familyFitsKeyType(op.family, keyInfo.type);
  const compiled: CompiledCondition = {
    key,
    source: c,
    op,
    qualifier: c.operator.qualifier,
    ifExists: c.operator.ifExists,
    test: typeMismatch ? unreadable : compileTest(op, values),
    nullAcceptsAbsent: op.family === 'null' && values.some((v) => readBool(v) === true),
    nullAcceptsPresent: op.family === 'null' && values.some((v) => readBool(v) === false),
    whenUnknown: UNKNOWN,
    typeMismatch,
  };
  compiled.whenUnknown = resultWhateverTheValues(compiled);
  return compiled;
}

const ALL_STARS = /^\*+$/;

/**
 * The condition's result for every possible state of its key (absent, or any non-empty list of values),
 * when one answer holds for all of them; UNKNOWN otherwise. Decided exactly only where it is cheap and
 * certain: `Null` (presence alone decides), and wildcard operators with a pattern made only of `*`, which
 * every value matches (so `StringMatchIfExists` or `ForAllValues:StringMatch` with `*` hold whatever the
 * key is). An operator whose family does not fit the key's type reads no value, so every present value gives
 * one answer (`StringMatchIfExists` with `*` on a numeric key: true absent, false present: unknown). Every
 * other condition on an unknown key is unknown, the safe answer.
 */
function resultWhateverTheValues(c: CompiledCondition): Tri {
  const absent = evalConditionValues(c, undefined);
  let present: boolean | undefined;
  // A type mismatch reads no value: every present value gives the same answer, the one of any value.
  if (c.typeMismatch) present = evalConditionValues(c, ['0']);
  else if (c.op.family === 'null') present = c.nullAcceptsPresent;
  else if (c.op.comparison === 'match' && c.source.values.some((v) => ALL_STARS.test(v))) present = !c.op.negated;
  if (present !== absent) return UNKNOWN;
  return absent ? 1 : 0;
}

/** Every request value is unreadable (an operator family that does not fit the key's type). */
const unreadable: ValueTest = () => undefined;

function compileTest(op: OperatorInfo, values: string[]): ValueTest {
  switch (op.comparison) {
    case 'equals': {
      if (values.length === 1) {
        const only = values[0] as string;
        return (v) => scalarToString(v) === only;
      }
      const set = new Set(values);
      return (v) => set.has(scalarToString(v));
    }
    case 'equals_ignore_case': {
      const set = new Set(values.map((x) => x.toLowerCase()));
      return (v) => set.has(scalarToString(v).toLowerCase());
    }
    case 'match': {
      const globs = values.map((x) => compileGlob(x).test);
      return (v) => {
        const s = scalarToString(v);
        for (const g of globs) if (g(s)) return true;
        return false;
      };
    }
    case 'starts_with': {
      const lower = values.map((x) => x.toLowerCase());
      return (v) => {
        const s = scalarToString(v).toLowerCase();
        for (const p of lower) if (s.startsWith(p)) return true;
        return false;
      };
    }
    case 'ends_with': {
      const lower = values.map((x) => x.toLowerCase());
      return (v) => {
        const s = scalarToString(v).toLowerCase();
        for (const p of lower) if (s.endsWith(p)) return true;
        return false;
      };
    }
    case 'bool': {
      const accepted = values.map(readBool).filter((b): b is boolean => b !== undefined);
      return (v) => {
        const b = typeof v === 'boolean' ? v : typeof v === 'string' ? readBool(v) : undefined;
        return b === undefined ? undefined : accepted.includes(b);
      };
    }
    case 'ip': {
      const ranges = values.map(readIpRange).filter((r): r is IpRange => r !== undefined);
      return (v) => {
        if (typeof v !== 'string') return undefined;
        const ip = readIpCached(v);
        if (!ip) return undefined;
        for (const r of ranges) if (ipInRange(ip, r)) return true;
        return false;
      };
    }
    case 'null':
      return () => undefined; // Null is decided by presence alone (see evalCondition).
    default:
      return compileOrdered(op, values);
  }
}

/** Request IP addresses recur (one caller, many decisions): parsed ones are kept, a bounded few. */
const parsedIps = new Map<string, IpAddr | null>();
function readIpCached(s: string): IpAddr | undefined {
  let ip = parsedIps.get(s);
  if (ip === undefined) {
    ip = readIp(s) ?? null;
    if (parsedIps.size >= 1024) parsedIps.clear();
    parsedIps.set(s, ip);
  }
  return ip ?? undefined;
}

/** Number* and Date* operators: read both sides as numbers (dates as epoch milliseconds). */
function compileOrdered(op: OperatorInfo, values: string[]): ValueTest {
  const read = op.family === 'date' ? readDate : readNumber;
  const nums = values.map((x) => read(x)).filter((n): n is number => n !== undefined);
  const readReq = (v: ContextScalar): number | undefined => {
    if (op.family === 'numeric' && typeof v === 'number') return Number.isFinite(v) ? v : undefined;
    return typeof v === 'string' ? read(v) : undefined;
  };
  const max = Math.max(...nums);
  const min = Math.min(...nums);
  switch (op.comparison) {
    case 'num_eq':
      return (v) => {
        const n = readReq(v);
        return n === undefined ? undefined : nums.includes(n);
      };
    case 'lt':
      return (v) => {
        const n = readReq(v);
        return n === undefined ? undefined : n < max;
      };
    case 'lte':
      return (v) => {
        const n = readReq(v);
        return n === undefined ? undefined : n <= max;
      };
    case 'gt':
      return (v) => {
        const n = readReq(v);
        return n === undefined ? undefined : n > min;
      };
    default:
      return (v) => {
        const n = readReq(v);
        return n === undefined ? undefined : n >= min;
      };
  }
}

/** One request value against the condition: the (possibly negated) comparison; unreadable is false. */
function valueHolds(c: CompiledCondition, v: ContextScalar): boolean {
  const positive = c.test(v);
  if (positive === undefined) return false;
  return c.op.negated ? !positive : positive;
}

/** Evaluates one condition against the request context. */
export function evalCondition(c: CompiledCondition, ctx: RequestContext): boolean {
  const values = ctx.get(c.key);
  return evalConditionValues(c, values);
}

/** Three-valued: unknown when the key is unknown and its value matters (see `resultWhateverTheValues`). */
export function evalCondition3(c: CompiledCondition, ctx: RequestContext): Tri {
  if (ctx.isUnknown(c.key)) return c.whenUnknown;
  return evalConditionValues(c, ctx.get(c.key)) ? 1 : 0;
}

export function evalConditionValues(c: CompiledCondition, values: ContextValues | undefined): boolean {
  if (c.op.family === 'null') return values === undefined ? c.nullAcceptsAbsent : c.nullAcceptsPresent;
  if (values === undefined) {
    if (c.ifExists) return true;
    if (c.qualifier === 'ForAnyValue') return false;
    if (c.qualifier === 'ForAllValues') return true;
    return c.op.negated;
  }
  if (c.qualifier === 'ForAllValues') {
    for (const v of values) if (!valueHolds(c, v)) return false;
    return true;
  }
  // ForAnyValue, a multi-valued key without a qualifier, or a single value.
  for (const v of values) if (valueHolds(c, v)) return true;
  return false;
}
