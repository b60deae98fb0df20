/**
 * Reference model: condition operators, straight from docs/semantics.md ("Conditions") and the operator
 * tables of Huawei IAM's "Policy Syntax" page. No code shared with lib/policy or lib/engine.
 *
 * A condition is `operator -> key -> policy values`. The operator is written
 * `[ForAnyValue:|ForAllValues:]<Name>[IfExists]`.
 */
import { globMatch } from './glob.js';
import { ipInBlock, readBool, readDate, readIp, readIpBlock, readNumber } from './values.js';

export type RequestScalar = string | number | boolean;

type Kind = 'string' | 'number' | 'date' | 'bool' | 'null' | 'ip';

interface Operator {
  kind: Kind;
  /** How one request value is compared with one policy value (the positive form). */
  compare: 'equals' | 'equalsIgnoreCase' | 'match' | 'startWith' | 'endWith' | 'eq' | 'lt' | 'lte' | 'gt' | 'gte' | 'bool' | 'null' | 'inBlock';
  /** Negated operators: true when the request value matches NONE of the policy values. */
  negated: boolean;
}

/** Every operator name the model knows (docs/semantics.md and IAM's "Policy Syntax" operator tables). */
export const MODEL_OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: { kind: 'string', compare: 'equals', negated: false },
  StringNotEquals: { kind: 'string', compare: 'equals', negated: true },
  StringEqualsIgnoreCase: { kind: 'string', compare: 'equalsIgnoreCase', negated: false },
  StringNotEqualsIgnoreCase: { kind: 'string', compare: 'equalsIgnoreCase', negated: true },
  StringMatch: { kind: 'string', compare: 'match', negated: false },
  StringNotMatch: { kind: 'string', compare: 'match', negated: true },
  // StringLike / StringNotLike (AWS names) are read as StringMatch / StringNotMatch.
  StringLike: { kind: 'string', compare: 'match', negated: false },
  StringNotLike: { kind: 'string', compare: 'match', negated: true },
  StringStartWith: { kind: 'string', compare: 'startWith', negated: false },
  StringNotStartWith: { kind: 'string', compare: 'startWith', negated: true },
  StringEndWith: { kind: 'string', compare: 'endWith', negated: false },
  StringNotEndWith: { kind: 'string', compare: 'endWith', negated: true },
  NumberEquals: { kind: 'number', compare: 'eq', negated: false },
  NumberNotEquals: { kind: 'number', compare: 'eq', negated: true },
  NumberLessThan: { kind: 'number', compare: 'lt', negated: false },
  NumberLessThanEquals: { kind: 'number', compare: 'lte', negated: false },
  NumberGreaterThan: { kind: 'number', compare: 'gt', negated: false },
  NumberGreaterThanEquals: { kind: 'number', compare: 'gte', negated: false },
  DateEquals: { kind: 'date', compare: 'eq', negated: false },
  DateNotEquals: { kind: 'date', compare: 'eq', negated: true },
  DateLessThan: { kind: 'date', compare: 'lt', negated: false },
  DateLessThanEquals: { kind: 'date', compare: 'lte', negated: false },
  DateGreaterThan: { kind: 'date', compare: 'gt', negated: false },
  DateGreaterThanEquals: { kind: 'date', compare: 'gte', negated: false },
  Bool: { kind: 'bool', compare: 'bool', negated: false },
  Null: { kind: 'null', compare: 'null', negated: false },
  IpAddress: { kind: 'ip', compare: 'inBlock', negated: false },
  NotIpAddress: { kind: 'ip', compare: 'inBlock', negated: true },
};

export interface WrittenOperator {
  qualifier: 'ForAnyValue' | 'ForAllValues' | null;
  name: string;
  operator: Operator;
  ifExists: boolean;
}

/** Splits `ForAllValues:StringEqualsIfExists` into its parts (undefined: not an operator the model knows). */
export function readOperator(written: string): WrittenOperator | undefined {
  let rest = written;
  let qualifier: WrittenOperator['qualifier'] = null;
  const q = (['ForAnyValue', 'ForAllValues'] as const).find((name) => rest.startsWith(`${name}:`));
  if (q) {
    qualifier = q;
    rest = rest.slice(q.length + 1);
  }
  const plain = MODEL_OPERATORS[rest];
  if (plain) return { qualifier, name: rest, operator: plain, ifExists: false };
  if (rest.endsWith('IfExists')) {
    const base = rest.slice(0, -'IfExists'.length);
    const op = MODEL_OPERATORS[base];
    if (op && op.kind !== 'null') return { qualifier, name: base, operator: op, ifExists: true };
  }
  return undefined;
}

/** Numbers and booleans in the context are compared as their JSON text by string operators. */
function asText(v: RequestScalar): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The positive comparison of one request value with the policy values: whether it matches ANY of them;
 * `undefined` when the request value cannot be read as the operator's type.
 */
function matchesAnyPolicyValue(op: Operator, request: RequestScalar, policyValues: readonly string[]): boolean | undefined {
  switch (op.kind) {
    case 'string': {
      const r = asText(request);
      return policyValues.some((p) => {
        switch (op.compare) {
          case 'equals':
            return r === p;
          case 'equalsIgnoreCase':
            return r.toLowerCase() === p.toLowerCase();
          case 'match':
            return globMatch(p, r);
          case 'startWith':
            return r.toLowerCase().startsWith(p.toLowerCase());
          default:
            return r.toLowerCase().endsWith(p.toLowerCase());
        }
      });
    }
    case 'number':
    case 'date': {
      let r: number | undefined;
      if (op.kind === 'number') r = typeof request === 'number' ? request : typeof request === 'string' ? readNumber(request) : undefined;
      else r = typeof request === 'string' ? readDate(request) : undefined;
      if (r === undefined) return undefined;
      const read = op.kind === 'number' ? readNumber : readDate;
      return policyValues.some((text) => {
        const p = read(text);
        if (p === undefined) return false; // (the validator refuses such policies)
        switch (op.compare) {
          case 'eq':
            return r === p;
          case 'lt':
            return r < p;
          case 'lte':
            return r <= p;
          case 'gt':
            return r > p;
          default:
            return r >= p;
        }
      });
    }
    case 'bool': {
      const r = typeof request === 'boolean' ? request : typeof request === 'string' ? readBool(request) : undefined;
      if (r === undefined) return undefined;
      return policyValues.some((p) => readBool(p) === r);
    }
    case 'ip': {
      const ip = typeof request === 'string' ? readIp(request) : undefined;
      if (ip === undefined) return undefined;
      return policyValues.some((p) => {
        const block = readIpBlock(p);
        return block !== undefined && ipInBlock(ip, block);
      });
    }
    case 'null':
      return undefined; // decided by presence, never per value
  }
}

/** One request value against the condition: the comparison, negated for negated operators; unreadable is false. */
function valueSatisfies(op: Operator, request: RequestScalar, policyValues: readonly string[]): boolean {
  const positive = matchesAnyPolicyValue(op, request, policyValues);
  if (positive === undefined) return false; // "for negated operators too"
  return op.negated ? !positive : positive;
}

/** The catalog value type each operator kind compares (docs/semantics.md: an operator of another type than the key never matches). */
const KIND_OF_TYPE: Readonly<Record<string, Kind>> = { string: 'string', numeric: 'number', date: 'date', boolean: 'bool', ip_address: 'ip' };

/**
 * Evaluates one condition. `requestValues` is `undefined` when the request lacks the key (absent, `null`
 * or `[]`). `keyType`: the key's catalog type, when the catalog lists it; an operator of another kind
 * (Null aside) reads no request value (every comparison false, for negated operators too).
 */
export function conditionHolds(written: WrittenOperator, policyValues: readonly string[], requestValues: readonly RequestScalar[] | undefined, keyType?: string): boolean {
  const op = written.operator;
  if (keyType !== undefined && op.kind !== 'null' && KIND_OF_TYPE[keyType] !== op.kind && requestValues !== undefined) {
    // Present values are never compared: ForAllValues over a non-empty list and every other form are false.
    return false;
  }
  if (op.kind === 'null') {
    // Null: "true" accepts an absent key, "false" a present one.
    const absent = requestValues === undefined;
    return policyValues.some((p) => readBool(p) === absent);
  }
  if (requestValues === undefined) {
    // Absent key. IfExists: true. Then the qualifiers: ForAnyValue false, ForAllValues true. Otherwise a
    // positive operator is false and a negated one true.
    if (written.ifExists) return true;
    if (written.qualifier === 'ForAnyValue') return false;
    if (written.qualifier === 'ForAllValues') return true;
    return op.negated;
  }
  if (written.qualifier === 'ForAllValues') return requestValues.every((v) => valueSatisfies(op, v, policyValues));
  // ForAnyValue, and (documented) a key with several values and no qualifier; one value is the same test.
  return requestValues.some((v) => valueSatisfies(op, v, policyValues));
}
