/**
 * Condition operators of Huawei IAM (the operator tables of IAM's "Policy Syntax" page; docs/semantics.md,
 * "Conditions", for how they are read here), their families and how a written operator
 * (`ForAnyValue:StringEqualsIfExists`) decomposes.
 */
import type { ConditionValueType } from '@ims-authz/catalog';

export type OperatorFamily = 'string' | 'numeric' | 'date' | 'boolean' | 'null' | 'ip';

export type Comparison = 'equals' | 'equals_ignore_case' | 'match' | 'starts_with' | 'ends_with' | 'num_eq' | 'lt' | 'lte' | 'gt' | 'gte' | 'bool' | 'null' | 'ip';

export interface OperatorInfo {
  name: string;
  family: OperatorFamily;
  comparison: Comparison;
  /** Negated operators are true when no policy value matches. */
  negated: boolean;
  /** Case-sensitive string comparison. */
  caseSensitive: boolean;
  /** `documented`: in Huawei's operator tables; `unverified`: existence not confirmed; `aws`: an AWS name read as a Huawei one. */
  status: 'documented' | 'unverified' | 'aws';
  /** For `aws` names: the Huawei operator it is read as. */
  readAs?: string;
}

function op(name: string, family: OperatorFamily, comparison: Comparison, negated: boolean, caseSensitive: boolean, status: OperatorInfo['status'] = 'documented', readAs?: string): OperatorInfo {
  return readAs === undefined ? { name, family, comparison, negated, caseSensitive, status } : { name, family, comparison, negated, caseSensitive, status, readAs };
}

export const OPERATORS: readonly OperatorInfo[] = [
  op('StringEquals', 'string', 'equals', false, true),
  op('StringNotEquals', 'string', 'equals', true, true),
  op('StringEqualsIgnoreCase', 'string', 'equals_ignore_case', false, false),
  op('StringNotEqualsIgnoreCase', 'string', 'equals_ignore_case', true, false),
  op('StringMatch', 'string', 'match', false, true),
  op('StringNotMatch', 'string', 'match', true, true),
  op('StringStartWith', 'string', 'starts_with', false, false),
  op('StringNotStartWith', 'string', 'starts_with', true, false, 'unverified'),
  op('StringEndWith', 'string', 'ends_with', false, false),
  op('StringNotEndWith', 'string', 'ends_with', true, false, 'unverified'),
  op('StringLike', 'string', 'match', false, true, 'aws', 'StringMatch'),
  op('StringNotLike', 'string', 'match', true, true, 'aws', 'StringNotMatch'),
  op('NumberEquals', 'numeric', 'num_eq', false, true),
  op('NumberNotEquals', 'numeric', 'num_eq', true, true),
  op('NumberLessThan', 'numeric', 'lt', false, true),
  op('NumberLessThanEquals', 'numeric', 'lte', false, true),
  op('NumberGreaterThan', 'numeric', 'gt', false, true),
  op('NumberGreaterThanEquals', 'numeric', 'gte', false, true),
  op('DateLessThan', 'date', 'lt', false, true),
  op('DateLessThanEquals', 'date', 'lte', false, true),
  op('DateGreaterThan', 'date', 'gt', false, true),
  op('DateGreaterThanEquals', 'date', 'gte', false, true),
  op('DateEquals', 'date', 'num_eq', false, true, 'unverified'),
  op('DateNotEquals', 'date', 'num_eq', true, true, 'unverified'),
  op('Bool', 'boolean', 'bool', false, true),
  op('Null', 'null', 'null', false, true),
  op('IpAddress', 'ip', 'ip', false, true),
  op('NotIpAddress', 'ip', 'ip', true, true),
];

const BY_NAME = new Map(OPERATORS.map((o) => [o.name, o]));

export type Qualifier = 'ForAnyValue' | 'ForAllValues';

export interface ParsedOperator {
  written: string;
  info: OperatorInfo;
  qualifier: Qualifier | null;
  ifExists: boolean;
}

export type OperatorParse = { ok: true; operator: ParsedOperator } | { ok: false; reason: 'unknown' | 'null_if_exists' | 'bad_qualifier'; base: string };

/** Decomposes `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`; names are case-sensitive, as in Huawei IAM. */
export function parseOperator(written: string): OperatorParse {
  let rest = written;
  let qualifier: Qualifier | null = null;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const q = rest.slice(0, colon);
    if (q !== 'ForAnyValue' && q !== 'ForAllValues') return { ok: false, reason: 'bad_qualifier', base: rest };
    qualifier = q;
    rest = rest.slice(colon + 1);
  }
  let info = BY_NAME.get(rest);
  let ifExists = false;
  if (!info && rest.endsWith('IfExists')) {
    info = BY_NAME.get(rest.slice(0, -'IfExists'.length));
    ifExists = info !== undefined;
  }
  if (!info) return { ok: false, reason: 'unknown', base: rest };
  if (ifExists && info.family === 'null') return { ok: false, reason: 'null_if_exists', base: rest };
  return { ok: true, operator: { written, info, qualifier, ifExists } };
}

export function operatorNames(): string[] {
  return OPERATORS.map((o) => o.name);
}

/** The key types an operator family is meant for (`null` works on any key). */
export function familyFitsKeyType(family: OperatorFamily, type: ConditionValueType): boolean {
  switch (family) {
    case 'null':
      return true;
    case 'string':
      return type === 'string';
    case 'numeric':
      return type === 'numeric';
    case 'date':
      return type === 'date';
    case 'boolean':
      return type === 'boolean';
    case 'ip':
      return type === 'ip_address';
  }
}
