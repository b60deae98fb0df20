/**
 * Structural parse of a policy document (the grammars of Huawei IAM's "Policy Syntax" (1.1) and "Identity
 * Policy Syntax" (5.0) pages and of Organizations' "SCP Syntax" page; docs/semantics.md for what they leave
 * open): element names and types, versions, operator syntax and value types. Produces the normalised policy and reports what is wrong;
 * catalog-based checks (actions, URNs, keys) run afterwards on the normalised form (validate/checks.ts).
 */
import { normalizeConditionKey } from '../catalog/catalog.js';
import { pointer } from '../json/source.js';
import type { JsonValue, PolicyType } from '../types.js';
import type { Reporter } from '../validate/reporter.js';
import { suggest } from '../validate/suggest.js';
import type { ParsedCondition, ParsedPolicy, ParsedStatement, PolicyVersion } from './model.js';
import { operatorNames, parseOperator } from './operators.js';
import { readBool, readDate, readIpRange, readNumber } from './values.js';

/** Huawei API limits for 1.1 custom policies (IAM API reference, "Creating a Custom Policy for Cloud Services"). */
export const V11_LIMITS = { statements: 8, actionsPerStatement: 100, resourcesPerStatement: 10, resourceLength: 128, conditionsPerStatement: 10 };

const TOP_LEVEL = ['Version', 'Statement'];
const STATEMENT_5 = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const STATEMENT_11 = ['Effect', 'Action', 'Resource', 'Condition'];
const PRINCIPALS = ['Principal', 'NotPrincipal'];

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: JsonValue | undefined): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function parsePolicyDocument(doc: JsonValue, type: PolicyType, r: Reporter): ParsedPolicy | null {
  if (!isObject(doc)) {
    r.report('INVALID_DOCUMENT', '', `A policy document must be a JSON object, not ${typeName(doc)}.`);
    return null;
  }
  for (const key of Object.keys(doc)) {
    if (TOP_LEVEL.includes(key)) continue;
    if (key === 'Effect' || key === 'Action' || key === 'NotAction' || key === 'Resource' || key === 'Condition') {
      r.report('INVALID_POLICY_ELEMENT', pointer('', key), `"${key}" belongs inside a statement of "Statement", not at the top of the document.`, { atKey: true });
      continue;
    }
    r.report('INVALID_POLICY_ELEMENT', pointer('', key), `Unknown element "${key}" at the top of the document; a policy has only "Version" and "Statement".`, {
      atKey: true,
      suggestions: suggest(key, TOP_LEVEL, 3, r),
    });
  }

  let version: PolicyVersion = '5.0';
  if (!has(doc, 'Version')) {
    r.report('MISSING_VERSION', '', `The policy has no "Version"; use "5.0"${type === 'identity' ? ' (or "1.1" for a legacy fine-grained policy)' : ''}.`);
  } else {
    const v = doc['Version'];
    if (v === '5.0' || (v === '1.1' && type === 'identity')) version = v;
    else if (v === '1.1') r.report('INVALID_VERSION', '/Version', 'Service control policies use the 5.0 grammar: "Version" must be "5.0".');
    else if (v === '1.0') r.report('INVALID_VERSION', '/Version', '"Version": "1.0" is reserved for system roles; custom policies use "5.0" (or "1.1").');
    else if (typeof v !== 'string') r.report('INVALID_VERSION', '/Version', `"Version" must be the string "5.0"${type === 'identity' ? ' or "1.1"' : ''}, not ${typeName(v)}.`);
    else r.report('INVALID_VERSION', '/Version', `Unknown policy version "${v}"; use "5.0"${type === 'identity' ? ' or "1.1"' : ''}.`);
  }

  if (!has(doc, 'Statement')) {
    r.report('MISSING_STATEMENT', '', 'The policy has no "Statement" array.');
    return null;
  }
  const stmts = doc['Statement'];
  if (!Array.isArray(stmts)) {
    r.report('DATA_TYPE_MISMATCH', '/Statement', `"Statement" must be an array of statement objects, not ${typeName(stmts)}.`);
    return null;
  }
  if (stmts.length === 0) r.report('EMPTY_POLICY', '/Statement', 'The policy has no statements: it allows and denies nothing.');
  if (version === '1.1' && stmts.length > V11_LIMITS.statements) {
    r.report('TOO_MANY_STATEMENTS', '/Statement', `A 1.1 policy may have at most ${V11_LIMITS.statements} statements; this one has ${stmts.length}.`);
  }

  const statements: ParsedStatement[] = [];
  stmts.forEach((s, index) => {
    const parsed = parseStatement(s, index, version, r);
    if (parsed) statements.push(parsed);
  });
  return { version, statements };
}

function parseStatement(s: JsonValue, index: number, version: PolicyVersion, r: Reporter): ParsedStatement | null {
  const path = pointer('/Statement', index);
  if (!isObject(s)) {
    r.report('DATA_TYPE_MISMATCH', path, `Each statement must be an object, not ${typeName(s)}.`);
    return null;
  }
  const allowed = version === '1.1' ? STATEMENT_11 : STATEMENT_5;
  for (const key of Object.keys(s)) {
    if (allowed.includes(key)) continue;
    const at = pointer(path, key);
    if (PRINCIPALS.includes(key)) {
      r.report('UNSUPPORTED_PRINCIPAL', at, `"${key}" is not allowed in identity policies or SCPs (only in resource-based policies).`, { atKey: true });
    } else if (version === '1.1' && STATEMENT_5.includes(key)) {
      r.report('UNSUPPORTED_ELEMENT_IN_VERSION', at, `"${key}" is not part of the 1.1 policy grammar; use "Version": "5.0" for it.`, { atKey: true });
    } else {
      r.report('INVALID_POLICY_ELEMENT', at, `Unknown statement element "${key}".`, { atKey: true, suggestions: suggest(key, allowed, 3, r) });
    }
  }

  // Sid
  let sid: string | null = null;
  if (version === '5.0' && has(s, 'Sid')) {
    const v = s['Sid'];
    if (typeof v !== 'string') r.report('DATA_TYPE_MISMATCH', pointer(path, 'Sid'), `"Sid" must be a string, not ${typeName(v)}.`);
    else {
      sid = v;
      if (v === '') r.report('EMPTY_SID', pointer(path, 'Sid'), 'The "Sid" is empty; remove it or give the statement a name.');
    }
  }

  // Effect
  let effect: 'Allow' | 'Deny' = 'Deny';
  if (!has(s, 'Effect')) {
    r.report('MISSING_EFFECT', path, 'The statement has no "Effect"; it must be "Allow" or "Deny".');
  } else {
    const v = s['Effect'];
    if (v === 'Allow' || v === 'Deny') effect = v;
    else {
      const text = typeof v === 'string' ? `"${v}"` : typeName(v);
      r.report('INVALID_EFFECT', pointer(path, 'Effect'), `"Effect" must be "Allow" or "Deny" (case-sensitive), not ${text}.`, {
        suggestions: typeof v === 'string' ? suggest(v, ['Allow', 'Deny'], 3, r) : [],
      });
    }
  }

  // Action / NotAction
  const hasAction = has(s, 'Action');
  const hasNotAction = version === '5.0' && has(s, 'NotAction');
  let actions: string[] | null = null;
  let notActions: string[] | null = null;
  if (hasAction && hasNotAction) {
    r.report('UNSUPPORTED_ELEMENT_COMBINATION', pointer(path, 'NotAction'), 'A statement has either "Action" or "NotAction", not both.', { atKey: true });
    actions = readStringList(s['Action'], pointer(path, 'Action'), 'Action', version, r);
  } else if (hasAction) {
    actions = readStringList(s['Action'], pointer(path, 'Action'), 'Action', version, r);
  } else if (hasNotAction) {
    notActions = readStringList(s['NotAction'], pointer(path, 'NotAction'), 'NotAction', version, r);
  } else {
    r.report('MISSING_ACTION', path, `The statement has no "Action"${version === '5.0' ? ' (or "NotAction")' : ''}.`);
  }
  const actionList = actions ?? notActions;
  if (version === '1.1' && actionList && actionList.length > V11_LIMITS.actionsPerStatement) {
    r.report('TOO_MANY_ACTIONS', pointer(path, 'Action'), `A 1.1 statement may list at most ${V11_LIMITS.actionsPerStatement} actions; this one lists ${actionList.length}.`);
  }

  // Resource / NotResource
  const hasResource = has(s, 'Resource');
  const hasNotResource = version === '5.0' && has(s, 'NotResource');
  let resources: string[] | null = null;
  let notResources: string[] | null = null;
  if (hasResource && hasNotResource) {
    r.report('UNSUPPORTED_ELEMENT_COMBINATION', pointer(path, 'NotResource'), 'A statement has either "Resource" or "NotResource", not both.', { atKey: true });
    resources = readStringList(s['Resource'], pointer(path, 'Resource'), 'Resource', version, r);
  } else if (hasResource) {
    resources = readStringList(s['Resource'], pointer(path, 'Resource'), 'Resource', version, r);
  } else if (hasNotResource) {
    notResources = readStringList(s['NotResource'], pointer(path, 'NotResource'), 'NotResource', version, r);
  }
  if (version === '1.1' && resources) {
    if (resources.length > V11_LIMITS.resourcesPerStatement) {
      r.report('TOO_MANY_RESOURCES', pointer(path, 'Resource'), `A 1.1 statement may list at most ${V11_LIMITS.resourcesPerStatement} resources; this one lists ${resources.length}.`);
    }
    resources.forEach((res, i) => {
      if (res.length > V11_LIMITS.resourceLength) {
        r.report('RESOURCE_TOO_LONG', pointer(pointer(path, 'Resource'), i), `A 1.1 resource may be at most ${V11_LIMITS.resourceLength} characters; this one has ${res.length}.`);
      }
    });
  }

  // Condition
  let conditions: ParsedCondition[] = [];
  const orphanKeys: Array<{ key: string; path: string }> = [];
  if (has(s, 'Condition')) {
    conditions = parseCondition(s['Condition'], pointer(path, 'Condition'), version, r, orphanKeys);
    if (version === '1.1' && conditions.length > V11_LIMITS.conditionsPerStatement) {
      r.report('TOO_MANY_CONDITIONS', pointer(path, 'Condition'), `A 1.1 statement may have at most ${V11_LIMITS.conditionsPerStatement} conditions; this one has ${conditions.length}.`);
    }
  }

  // Returned even when parts are broken (the policy is then invalid and never evaluated), so that the
  // catalog checks still report everything wrong in one pass.
  const statement: ParsedStatement = { index, sid, effect, actions, notActions, resources, notResources, conditions, path };
  if (orphanKeys.length > 0) statement.orphanKeys = orphanKeys;
  const span = r.spanOf(path);
  if (span) statement.span = span;
  return statement;
}

function readStringList(v: JsonValue | undefined, path: string, element: string, version: PolicyVersion, r: Reporter): string[] | null {
  if (typeof v === 'string') {
    r.report(
      'STRING_INSTEAD_OF_ARRAY',
      path,
      `"${element}" should be an array of strings; a single string is read as a one-element array${version === '1.1' ? ' (the 1.1 API requires an array)' : ''}.`,
    );
    return [v];
  }
  if (!Array.isArray(v)) {
    r.report('DATA_TYPE_MISMATCH', path, `"${element}" must be an array of strings, not ${typeName(v)}.`);
    return null;
  }
  const out: string[] = [];
  let ok = true;
  v.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else {
      ok = false;
      r.report('DATA_TYPE_MISMATCH', pointer(path, i), `Each entry of "${element}" must be a string, not ${typeName(item)}.`);
    }
  });
  if (v.length === 0) r.report('EMPTY_ARRAY', path, `"${element}" is empty: the statement ${element.startsWith('Not') ? 'excludes nothing' : 'never applies'}.`);
  return ok ? out : null;
}

/** Keys under an operator that cannot be read go to `orphans` (their names are checked still). */
function parseCondition(v: JsonValue | undefined, path: string, version: PolicyVersion, r: Reporter, orphans: Array<{ key: string; path: string }>): ParsedCondition[] {
  if (!isObject(v)) {
    r.report('DATA_TYPE_MISMATCH', path, `"Condition" must be an object of operator -> key -> values, not ${typeName(v)}.`);
    return [];
  }
  const out: ParsedCondition[] = [];
  const operators = Object.keys(v);
  if (operators.length === 0) r.report('EMPTY_CONDITION', path, 'The "Condition" block is empty; remove it.');
  for (const written of operators) {
    const opPath = pointer(path, written);
    const block = v[written];
    const parsed = parseOperator(written);
    if (!parsed.ok) {
      if (parsed.reason === 'null_if_exists') {
        r.report('NULL_WITH_IF_EXISTS', opPath, '"Null" cannot take "IfExists": Null already tests whether the key exists.', { atKey: true });
      } else if (parsed.reason === 'bad_qualifier') {
        r.report('INVALID_CONDITION_OPERATOR', opPath, `Unknown qualifier in "${written}"; use "ForAnyValue:" or "ForAllValues:".`, {
          atKey: true,
          suggestions: suggest(written.slice(0, written.indexOf(':')), ['ForAnyValue', 'ForAllValues'], 3, r),
        });
      } else {
        r.report('INVALID_CONDITION_OPERATOR', opPath, `Unknown condition operator "${parsed.base}" (operator names are case-sensitive).`, {
          atKey: true,
          suggestions: suggest(parsed.base.replace(/IfExists$/, ''), operatorNames(), 3, r),
        });
      }
      if (isObject(block)) for (const key of Object.keys(block)) orphans.push({ key, path: pointer(opPath, key) });
      continue;
    }
    const op = parsed.operator;
    if (!isObject(block)) {
      r.report('DATA_TYPE_MISMATCH', opPath, `The "${written}" block must be an object of key -> values, not ${typeName(block)}.`);
      continue;
    }
    const keys = Object.keys(block);
    if (keys.length === 0) r.report('EMPTY_CONDITION', opPath, `The "${written}" block has no keys; remove it.`);
    const seen = new Map<string, string>();
    for (const key of keys) {
      const keyPath = pointer(opPath, key);
      // Key names are case-insensitive; the tag key after g:ResourceTag/ (etc.) is not.
      const lower = normalizeConditionKey(key).normalized;
      const prior = seen.get(lower);
      if (prior !== undefined) {
        r.report('DUPLICATE_CONDITION_KEY', keyPath, `"${key}" and "${prior}" are the same condition key (key names are case-insensitive); merge their values.`, { atKey: true });
        continue;
      }
      seen.set(lower, key);
      const values = readConditionValues(block[key], keyPath, version, r);
      if (values === null) continue;
      if (checkValueTypes(values, op.info.family, keyPath, written, r)) out.push({ operator: op, key, values, path: keyPath });
    }
  }
  return out;
}

function readConditionValues(v: JsonValue | undefined, path: string, version: PolicyVersion, r: Reporter): string[] | null {
  const fromScalar = (x: JsonValue, at: string): string | null => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') {
      r.report('CONDITION_VALUE_NOT_STRING', at, `Condition values are strings; ${JSON.stringify(x)} is read as "${String(x)}".`);
      return String(x);
    }
    r.report('DATA_TYPE_MISMATCH', at, `A condition value must be a string, not ${typeName(x)}.`);
    return null;
  };
  if (Array.isArray(v)) {
    const out: string[] = [];
    let ok = true;
    v.forEach((x, i) => {
      const s = fromScalar(x, pointer(path, i));
      if (s === null) ok = false;
      else out.push(s);
    });
    if (v.length === 0) r.report('EMPTY_ARRAY', path, 'The condition has no values: a positive operator never matches, a negated one always does.');
    // The first value listed twice (a set: indexOf per value was quadratic in the values).
    const seenValues = new Set<string>();
    const dup = out.find((x) => seenValues.size === seenValues.add(x).size);
    if (dup !== undefined) r.report('REDUNDANT_CONDITION_VALUE', path, `The value "${dup}" is listed more than once.`);
    return ok ? out : null;
  }
  if (v === undefined || v === null || typeof v === 'object') {
    r.report('DATA_TYPE_MISMATCH', path, `Condition values must be a string or an array of strings, not ${typeName(v)}.`);
    return null;
  }
  if (version === '1.1') r.report('STRING_INSTEAD_OF_ARRAY', path, 'In 1.1 policies condition values are an array of strings; a single value is read as a one-element array.');
  const s = fromScalar(v, path);
  return s === null ? null : [s];
}

/** Whether a string holds a `${...}` (Huawei documents no policy variables: such text is compared literally). */
export function hasPolicyVariable(value: string): boolean {
  const open = value.indexOf('${');
  return open !== -1 && value.indexOf('}', open + 2) !== -1;
}

function checkValueTypes(values: string[], family: string, path: string, operator: string, r: Reporter): boolean {
  let ok = true;
  values.forEach((value, i) => {
    const at = pointer(path, i);
    let good = true;
    let expected = '';
    switch (family) {
      case 'numeric':
        good = readNumber(value) !== undefined;
        expected = 'a number';
        break;
      case 'date':
        good = readDate(value) !== undefined;
        expected = 'an ISO 8601 date or date-time (e.g. 2026-01-31T23:59:59Z)';
        break;
      case 'boolean':
      case 'null':
        good = readBool(value) !== undefined;
        expected = '"true" or "false"';
        break;
      case 'ip':
        good = readIpRange(value) !== undefined;
        expected = 'an IPv4 or IPv6 address or CIDR block';
        break;
      default:
        // `${...}`: a "${" with a "}" after it (two scans; the regular expression was quadratic on "${${${...").
        if (hasPolicyVariable(value)) {
          r.report('POLICY_VARIABLE_NOT_SUPPORTED', at, `Huawei IAM documents no policy variables: "${value}" is compared literally.`);
        }
    }
    if (!good) {
      ok = false;
      r.report('INVALID_CONDITION_VALUE', at, `"${value}" cannot be read as ${expected} for ${operator}.`);
    }
  });
  return ok;
}
