/**
 * fast-check generators for the differential test: random policy sets (identity policies in 5.0 and 1.1,
 * SCP chains of several levels, optionally grant scopes) and random requests over the IMS catalog.
 *
 * Documents are valid by construction (catalog names or patterns derived from them, five-segment URN
 * patterns with the `image` type, known condition keys, values every operator can read), so nearly every
 * case is decided rather than refused; the few the engine refuses are counted as skipped.
 *
 * The vocabularies are small on purpose: policy values and request values are drawn from the same few
 * words, so that conditions and patterns both match and miss often.
 */
import fc from 'fast-check';
import catalog from '@ims-authz/catalog';
import type { ApiCall, ContextValue, EvaluateRequest, GrantScope, JsonValue, Principal, ScopedPolicy, ScpLevelInput } from '../../lib/types.js';
import type { DiffCase } from './compare.js';
import type { PolicySet } from './model.js';

type Json = JsonValue;
type JsonObject = { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------

const imsActions = catalog.actions.filter((a) => a.kind === 'action');
const actionNames = imsActions.map((a) => a.name);
const aliasNames = [...new Set(catalog.actions.flatMap((a) => a.aliases))];
const otherEntries = catalog.actions.filter((a) => a.kind !== 'action').map((a) => a.name);

/** Changes the case of some letters (`upper`: which positions), keeping the service lower-case if asked. */
function recase(name: string, flips: number[], keepService: boolean): string {
  const chars = [...name];
  const serviceEnd = keepService ? Math.max(0, name.indexOf(':') === -1 ? name.length : name.indexOf(':')) : 0;
  for (const f of flips) {
    const i = f % chars.length;
    if (i < serviceEnd) continue;
    const c = chars[i]!;
    chars[i] = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  }
  return chars.join('');
}

/** A wildcard pattern made from a real name: a run replaced by `*`, or characters replaced by `?`. It matches at least that name. */
const mutatedName = (names: readonly string[]): fc.Arbitrary<string> =>
  fc
    .record({
      name: fc.constantFrom(...names),
      star: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 8 })), { nil: undefined }),
      question: fc.array(fc.nat(), { maxLength: 2 }),
      flips: fc.array(fc.nat(), { maxLength: 3 }),
    })
    .map(({ name, star, question, flips }) => {
      let s = recase(name, flips, false);
      for (const q of question) {
        const i = q % s.length;
        if (s[i] !== ':' && s[i] !== '*') s = `${s.slice(0, i)}?${s.slice(i + 1)}`;
      }
      if (star) {
        const i = star[0] % s.length;
        s = `${s.slice(0, i)}*${s.slice(Math.min(s.length, i + star[1]))}`;
      }
      return s;
    });

/** A few actions named more often, by policies and requests alike (so that they meet often). */
const FAVOURITES = ['ims:images:get', 'ims:images:list', 'ims:images:deleteImage', 'ims:images:copyInRegion', 'ims:images:copyCrossRegion', 'ims:images:create', 'ims:quotas:get'];
const actionName: fc.Arbitrary<string> = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...actionNames) }, { weight: 1, arbitrary: fc.constantFrom(...FAVOURITES) });

/** Action patterns of policy statements. */
const policyAction = (v11: boolean): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 5, arbitrary: fc.tuple(actionName, fc.array(fc.nat(), { maxLength: 2 })).map(([n, f]) => recase(n, f, true)) },
      { weight: 2, arbitrary: fc.constantFrom(...aliasNames) },
      { weight: 1, arbitrary: fc.constantFrom(...otherEntries, 'obs:object:*', 'ecs:servers:list', '*:images:list') },
      {
        weight: 3,
        arbitrary: fc.constantFrom('*', 'ims:*', 'ims:*:*', 'ims:images:*', 'ims:*:get*', 'ims:*:list*', 'ims:images:copy*', 'ims:*Images:create', 'ims:images:???', 'ims:images:*Member*'),
      },
      { weight: 4, arbitrary: mutatedName([...actionNames, ...aliasNames]) },
    )
    // 1.1: the service name must be written in lower case.
    .map((p) => (v11 ? p.replace(/^[^:]*/, (s) => s.toLowerCase()) : p));

/** What a request asks for: a name, an alias, a pattern (expanded over the catalog), another catalog entry. */
const requestAction: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(actionName, fc.array(fc.nat(), { maxLength: 2 })).map(([n, f]) => recase(n, f, false)) },
  { weight: 1, arbitrary: fc.constantFrom(...aliasNames) },
  { weight: 1, arbitrary: fc.constantFrom(...otherEntries) },
  { weight: 1, arbitrary: fc.constantFrom('ims:images:*', 'ims:*:get*', 'ims:images:copy*', 'ims:*Images:create', 'ims:images:???') },
  { weight: 1, arbitrary: mutatedName(actionNames) },
);

// ---------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------

const REGIONS = ['cn-north-4', 'eu-west-0'];
const ACCOUNTS = ['acc-1', 'acc-2'];
const IMAGE_IDS = ['img-1', 'img-2', 'IMG-1', 'dir/img-3', 'x:y'];

const urnPattern: fc.Arbitrary<string> = fc
  .record({
    service: fc.constantFrom('ims', 'ims', 'ims', 'IMS'),
    region: fc.constantFrom(...REGIONS, '*', '*', 'cn-*', '??-north-4', 'CN-NORTH-4'),
    account: fc.constantFrom(...ACCOUNTS, '*', '*', 'acc-?'),
    type: fc.constantFrom('image', 'image', 'image', '*', 'im*', 'imag?'),
    id: fc.constantFrom(...IMAGE_IDS, '*', '*', 'img-*', 'img-?', 'dir/*', '*-1', '?*', ''),
  })
  .map((u) => `${u.service}:${u.region}:${u.account}:${u.type}:${u.id}`);

const policyResource: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('*', '*', '**') },
  { weight: 8, arbitrary: urnPattern },
  { weight: 1, arbitrary: fc.constantFrom('ims:*:*:image:*', 'ims:cn-north-4:acc-1:image:', 'ims:cn-north-4:acc-1:image:?*', 'obs:*:*:bucket:*') },
);

const requestResource: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ service: fc.constantFrom('ims', 'ims', 'ims', 'IMS'), region: fc.constantFrom(...REGIONS), account: fc.constantFrom(...ACCOUNTS), id: fc.constantFrom(...IMAGE_IDS) })
      .map((u) => `${u.service}:${u.region}:${u.account}:image:${u.id}`),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'ims:cn-north-4:acc-1:image:*',
      'ims:*:acc-1:image:img-1',
      'ims:cn-north-4:acc-1:image:img-*',
      'ims:cn-north-4:*:image:*',
      'ims:*:*:image:*',
      'ims:eu-west-0:acc-2:image:*-1',
      '*',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('obs:cn-north-4:acc-1:bucket:b1', 'ims:cn-north-4:acc-1:image:', 'ims:cn-north-4:acc-1:other:img-1') },
);

// ---------------------------------------------------------------------------------------------------------
// Condition keys, operators and values
// ---------------------------------------------------------------------------------------------------------

type KeyType = 'string' | 'multi' | 'bool' | 'number' | 'date' | 'ip';

interface KeySpec {
  /** Spellings of the same key (names are case-insensitive; tag keys are not, so they are separate keys). */
  spellings: string[];
  type: KeyType;
  /** String values policies and requests share. */
  words: string[];
}

const KEYS: KeySpec[] = [
  { spellings: ['g:UserName', 'g:username', 'G:USERNAME'], type: 'string', words: ['alice', 'Alice', 'bob', 'a*', '*ce', 'al?ce', 'müller', 'MÜLLER'] },
  { spellings: ['g:UserId', 'g:userid'], type: 'string', words: ['u-1', 'u-2', 'U-1', 'u-*'] },
  { spellings: ['g:EnterpriseProjectId', 'g:enterpriseprojectid'], type: 'string', words: ['0', 'ep-1', 'EP-1', 'ep-*'] },
  { spellings: ['g:ResourceTag/env', 'g:resourcetag/env'], type: 'string', words: ['prod', 'dev', 'Prod', 'pr*', 'd?v', 'prod😀', 'prod?'] },
  { spellings: ['g:ResourceTag/Env', 'G:RESOURCETAG/Env'], type: 'string', words: ['prod', 'dev', 'Prod'] },
  { spellings: ['g:RequestTag/team', 'g:requesttag/team'], type: 'string', words: ['red', 'blue', 'RED', 'r*'] },
  { spellings: ['g:PrincipalTag/dept', 'G:principaltag/dept'], type: 'string', words: ['ops', 'dev', 'OPS', 'o*'] },
  { spellings: ['g:ProjectName', 'g:projectname'], type: 'string', words: ['cn-north-4', 'eu-west-0', 'cn-*', 'CN-NORTH-4', 'cn'] },
  { spellings: ['g:RequestedRegion', 'g:requestedregion'], type: 'string', words: ['cn-north-4', 'eu-west-0', '*-4', 'eu'] },
  { spellings: ['g:PrincipalOrgPath', 'g:principalorgpath'], type: 'string', words: ['o-1/r-1/ou-a/acc-1', 'o-1/r-1/*', 'o-1/r-1/ou-b/*', 'O-1/R-1/*', 'o-1/'] },
  { spellings: ['g:PrincipalAccount', 'g:principalaccount'], type: 'string', words: ['acc-1', 'acc-2', 'ACC-1', 'acc-?'] },
  { spellings: ['g:PrincipalUrn', 'g:principalurn'], type: 'string', words: ['iam::acc-1:user:alice', 'iam::acc-1:user:*', 'sts::acc-1:assumed-agency:ops/*', 'iam::acc-2:user:bob'] },
  { spellings: ['g:PrincipalOrgId', 'g:principalorgid'], type: 'string', words: ['o-1', 'o-2', 'O-1', 'o-*'] },
  { spellings: ['g:PrincipalId', 'g:principalid'], type: 'string', words: ['u-1', 'u-2', 'u-*'] },
  { spellings: ['obs:prefix'], type: 'string', words: ['logs/', 'logs/*', 'data'] },
  { spellings: ['g:TagKeys', 'g:tagkeys'], type: 'multi', words: ['env', 'owner', 'cost', 'Env', 'o*'] },
  { spellings: ['ims:TargetOrgPaths', 'IMS:targetorgpaths'], type: 'multi', words: ['o-1/r-1/ou-a', 'o-1/*', 'o-2/r-9', 'o-1/r-1/OU-A'] },
  { spellings: ['ims:Encrypted', 'ims:encrypted'], type: 'bool', words: ['true', 'false', 'True'] },
  { spellings: ['g:MFAPresent', 'g:mfapresent'], type: 'bool', words: ['true', 'false', 'TRUE'] },
  { spellings: ['g:MFAAge', 'g:mfaage'], type: 'number', words: ['0', '300', '3600', '1e3', '-1', '1.5', '-0', '.5', '+300', '1.'] },
  {
    spellings: ['g:CurrentTime', 'g:currenttime'],
    type: 'date',
    words: ['2026-01-01T00:00:00Z', '2026-01-01', '2027-06-30T12:00:00.500Z', '2026-01-01T08:00:00+08:00', '2025-12-31T23:59Z', '2025-12-31T24:00:00Z', '0100-01-01', '2026-01-01T00:00:00.000Z'],
  },
  {
    spellings: ['g:SourceIp', 'g:sourceip'],
    type: 'ip',
    words: ['10.0.0.0/8', '192.168.1.1', '2001:db8::/32', '10.1.2.3/16', '0.0.0.0/0', '::ffff:10.0.0.0/104', '::/0', 'fe80::/10', '::ffff:0:0/96', '10.1.2.3/32', '::1'],
  },
];

interface OperatorSpec {
  name: string;
  /** Which values the operator can read. */
  reads: 'string' | 'number' | 'date' | 'bool' | 'null' | 'ip';
}

/** Every operator of the engine (the differential test checks this list against lib/policy/operators.ts). */
export const GENERATED_OPERATORS: readonly OperatorSpec[] = [
  ...[
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIgnoreCase',
    'StringNotEqualsIgnoreCase',
    'StringMatch',
    'StringNotMatch',
    'StringStartWith',
    'StringNotStartWith',
    'StringEndWith',
    'StringNotEndWith',
    'StringLike',
    'StringNotLike',
  ].map((name) => ({ name, reads: 'string' as const })),
  ...['NumberEquals', 'NumberNotEquals', 'NumberLessThan', 'NumberLessThanEquals', 'NumberGreaterThan', 'NumberGreaterThanEquals'].map((name) => ({ name, reads: 'number' as const })),
  ...['DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals', 'DateEquals', 'DateNotEquals'].map((name) => ({ name, reads: 'date' as const })),
  { name: 'Bool', reads: 'bool' },
  { name: 'Null', reads: 'null' },
  { name: 'IpAddress', reads: 'ip' },
  { name: 'NotIpAddress', reads: 'ip' },
];

const WORDS_BY_READ: Record<OperatorSpec['reads'], string[]> = {
  string: [],
  number: KEYS.find((k) => k.type === 'number')!.words,
  date: KEYS.find((k) => k.type === 'date')!.words,
  bool: ['true', 'false', 'True', 'FALSE'],
  null: ['true', 'false'],
  ip: KEYS.find((k) => k.type === 'ip')!.words,
};

const READS_FOR_TYPE: Record<KeyType, OperatorSpec['reads']> = { string: 'string', multi: 'string', bool: 'bool', number: 'number', date: 'date', ip: 'ip' };

interface ConditionSpec {
  operator: string;
  key: string;
  /** As written in the document. */
  values: Json;
  /** Normalised key, to keep one entry per key and operator. */
  normKey: string;
}

function normalizedKeyOf(spec: KeySpec): string {
  return spec.spellings[0]!.toLowerCase().replace(/(g:(resource|request|principal)tag\/)(.*)/, (_m, p: string) => p + spec.spellings[0]!.slice(p.length));
}

const conditionSpec: fc.Arbitrary<ConditionSpec> = fc
  .record({
    key: fc.constantFrom(...KEYS),
    spelling: fc.nat(),
    /** Mostly an operator that fits the key's type, sometimes any. */
    fitting: fc.constantFrom(true, true, true, false),
    opIndex: fc.nat(),
    qualifier: fc.constantFrom('', '', '', 'ForAnyValue:', 'ForAllValues:'),
    ifExists: fc.constantFrom(false, false, false, true),
    values: fc.array(fc.nat(), { minLength: 0, maxLength: 3 }),
    form: fc.constantFrom('array', 'array', 'array', 'string', 'json'),
  })
  .filter((c) => c.values.length > 0 || c.form === 'array')
  .map((c) => {
    const candidates = c.fitting ? GENERATED_OPERATORS.filter((o) => o.reads === READS_FOR_TYPE[c.key.type] || o.reads === 'null') : GENERATED_OPERATORS;
    const op = candidates[c.opIndex % candidates.length]!;
    const words = op.reads === 'string' ? [...c.key.words, ...(c.fitting ? [] : ['true', '300', '10.1.2.3', '*'])] : WORDS_BY_READ[op.reads];
    const picked = c.values.map((n) => words[n % words.length]!);
    // Null takes no IfExists (invalid); a qualifier on Null is not documented (Null tests presence either way).
    const name = op.reads === 'null' ? `${c.qualifier}Null` : `${c.qualifier}${op.name}${c.ifExists ? 'IfExists' : ''}`;
    let values: Json = picked;
    if (c.form === 'string') values = picked[0]!;
    if (c.form === 'json') {
      // JSON numbers and booleans are read as their text (the validator warns).
      const first = picked[0]!;
      values = first === 'true' || first === 'false' ? first === 'true' : /^-?\d+$/.test(first) ? Number(first) : first;
    }
    return { operator: name, key: c.key.spellings[c.spelling % c.key.spellings.length]!, values, normKey: normalizedKeyOf(c.key) };
  });

function conditionBlock(specs: ConditionSpec[]): JsonObject {
  const block: { [op: string]: JsonObject } = {};
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(`${s.operator}|${s.normKey}`)) continue; // one entry per key in an operator block
    seen.add(`${s.operator}|${s.normKey}`);
    (block[s.operator] ??= {})[s.key] = s.values;
  }
  return block;
}

// ---------------------------------------------------------------------------------------------------------
// Statements, policies, SCP chains
// ---------------------------------------------------------------------------------------------------------

const statement = (v11: boolean): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      sid: fc.constantFrom<string | undefined>(undefined, undefined, undefined, 's1', 'NoDelete', ''),
      effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
      notAction: fc.constantFrom(false, false, false, false, false, true),
      broad: fc.constantFrom(false, false, true),
      actions: fc.array(policyAction(v11), { minLength: 1, maxLength: 2 }),
      resourceMode: fc.constantFrom('none', 'none', 'none', 'list', 'list', 'list', 'not'),
      resources: fc.array(policyResource, { minLength: 1, maxLength: 2 }),
      resourceAsString: fc.constantFrom(false, false, false, false, true),
      conditions: fc.oneof({ weight: 5, arbitrary: fc.constant<ConditionSpec[]>([]) }, { weight: 5, arbitrary: fc.array(conditionSpec, { minLength: 1, maxLength: 2 }) }),
      /** Rare empty parts (valid; the validator only suggests): Action / Resource `[]`, an empty operator block. */
      empty: fc.oneof({ weight: 40, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('actions', 'resources', 'operator') }),
    })
    .map((s) => {
      const st: JsonObject = { Effect: s.effect };
      if (!v11 && s.sid !== undefined) st['Sid'] = s.sid;
      const actions = s.empty === 'actions' ? [] : s.broad ? [v11 ? 'ims:*:*' : '*'] : s.actions;
      st[!v11 && s.notAction && !s.broad ? 'NotAction' : 'Action'] = actions;
      const mode = v11 && s.resourceMode === 'not' ? 'list' : s.resourceMode;
      // Unique entries (a repeated one only earns a suggestion, but there is no point). A 1.1 policy cannot
      // name an IMS resource (V11_RESOURCE_NOT_SUPPORTED): there, such an entry becomes "*".
      const written = v11 ? s.resources.map((r) => (/^ims:/i.test(r) ? '*' : r)) : s.resources;
      const resources = s.empty === 'resources' ? [] : [...new Set(written)];
      const resValue: Json = s.resourceAsString && resources.length > 0 ? resources[0]! : resources;
      if (mode === 'list') st['Resource'] = resValue;
      if (mode === 'not') st['NotResource'] = resValue;
      if (s.conditions.length > 0) st['Condition'] = conditionBlock(s.conditions);
      if (s.empty === 'operator') st['Condition'] = { ...((st['Condition'] as JsonObject | undefined) ?? {}), StringEqualsIfExists: {} };
      return st;
    });

const document = (v11: boolean, maxStatements: number): fc.Arbitrary<JsonObject> =>
  fc
    .oneof({ weight: 50, arbitrary: fc.array(statement(v11), { minLength: 1, maxLength: maxStatements }) }, { weight: 1, arbitrary: fc.constant<JsonObject[]>([]) })
    .map((stmts) => ({ Version: v11 ? '1.1' : '5.0', Statement: stmts }));

const identityDocument: fc.Arbitrary<JsonObject> = fc.oneof({ weight: 7, arbitrary: document(false, 3) }, { weight: 3, arbitrary: document(true, 2) });

type TextForm = 'object' | 'compact' | 'pretty' | 'crlf' | 'escaped';

/** JSON with every `a`, `e`, `/` and non-ASCII character of its strings written as \\uXXXX (the same value). */
function escapedJson(v: Json): string {
  if (typeof v === 'string') {
    const chars = [...v].map((c) => (/[ae/]|[^\x00-\x7f]/.test(c) && c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1)));
    return `"${chars.join('')}"`;
  }
  if (Array.isArray(v)) return `[ ${v.map(escapedJson).join(' , ')} ]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${escapedJson(k)}:${escapedJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Some documents are given as JSON text (which the engine parses with its own reader, the model with JSON.parse). */
function asGiven(doc: JsonObject, form: TextForm): JsonObject | string {
  switch (form) {
    case 'object':
      return doc;
    case 'compact':
      return JSON.stringify(doc);
    case 'pretty':
      return JSON.stringify(doc, null, 2);
    case 'crlf':
      return `${JSON.stringify(doc, null, '\t').replace(/\n/g, '\r\n')}\r\n`;
    case 'escaped':
      return escapedJson(doc);
  }
}

const textForm = fc.oneof({ weight: 16, arbitrary: fc.constant<TextForm>('object') }, { weight: 4, arbitrary: fc.constantFrom<TextForm>('compact', 'pretty', 'crlf', 'escaped') });

const FULL_ACCESS: JsonObject = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] };

const scopeArb: fc.Arbitrary<GrantScope | undefined> = fc.constantFrom<GrantScope | undefined>(
  undefined,
  { type: 'global' },
  { type: 'all_projects' },
  { type: 'project', project: 'cn-north-4' },
  { type: 'project', project: 'eu-west-0' },
  { type: 'enterprise_project', enterprise_project_id: '0' },
  { type: 'enterprise_project', enterprise_project_id: 'ep-1' },
);

const identityPolicy = fc.record({ doc: identityDocument, form: textForm, scope: scopeArb });

export const identityPolicies: fc.Arbitrary<ScopedPolicy[]> = fc
  .oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 9, arbitrary: fc.array(identityPolicy, { minLength: 1, maxLength: 3 }) })
  .map((ps) => ps.map((p, i) => ({ id: `p${i}`, document: asGiven(p.doc, p.form), ...(p.scope ? { scope: p.scope } : {}) })));

const LEVELS = ['root', 'ou-a', 'ou-b', 'acc-1'];

export const scpChain: fc.Arbitrary<ScpLevelInput[]> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<ScpLevelInput[]>([]) },
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.record({
          fullAccess: fc.constantFrom(true, true, true, true, true, false),
          custom: fc.array(fc.tuple(document(false, 2), textForm), { minLength: 0, maxLength: 1 }),
        }),
        { minLength: 1, maxLength: 3 },
      )
      .map((levels) =>
        levels.map((l, i) => ({
          level: LEVELS[i]!,
          policies: [
            ...(l.fullAccess ? [{ id: 'FullAccess', document: FULL_ACCESS as { [key: string]: JsonValue } }] : []),
            ...l.custom.map(([d, form], j) => ({ id: `scp-${LEVELS[i]}-${j}`, document: asGiven(d, form) })),
          ],
        })),
      ),
  },
);

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

const requestScalar = (spec: KeySpec): fc.Arbitrary<string | number | boolean> => {
  const pick = (...values: Array<string | number | boolean>): fc.Arbitrary<string | number | boolean> => fc.constantFrom(...values);
  switch (spec.type) {
    case 'bool':
      return pick(true, false, 'true', 'false', 'TRUE', 'True', ' true', 'yes', 1, 0);
    case 'number':
      return fc.oneof(
        { weight: 3, arbitrary: pick(0, 120, 300, 5000, -1, 1.5, '300', '1e3', 'abc', true) },
        // Edges of "can be read as a number".
        { weight: 1, arbitrary: pick('1.', '.5', '+5', ' 5', '5 ', '1e999', '0x10', '-0', 'Infinity', 'NaN', '', 1e21, -0, 0.1, '3600.0') },
      );
    case 'date':
      return fc.oneof(
        { weight: 3, arbitrary: pick('2025-12-31T23:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01', '2026-03-01T00:00:00+08:00', '2027-06-30T12:00:00.500Z', '2026-02-30', 'yesterday', 1767225600000) },
        // Edges of ISO 8601 / RFC 3339: sub-millisecond fractions, early years, lower case, space, 24:00, leap second, no zone, offsets.
        {
          weight: 1,
          arbitrary: pick(
            '2026-01-01T00:00:00.0005Z',
            '2025-12-31T23:59:59.9999Z',
            '2026-01-01T00:00:00.0000000001Z',
            '0099-12-31T00:00:00Z',
            '0000-02-29',
            '1900-02-29',
            '2026-01-01t00:00:00z',
            '2026-01-01 00:00Z',
            '2025-12-31T24:00:00Z',
            '2025-12-31T23:59:60Z',
            '2026-01-01T00:00:00',
            '2026-01-01T08:00:00+0800',
            '2026-01-01T08:00+08',
            '2026-01-01T00:00:00+24:00',
            '2026-1-1',
          ),
        },
      );
    case 'ip':
      return fc.oneof(
        { weight: 3, arbitrary: pick('10.1.2.3', '10.255.0.1', '192.168.1.1', '2001:db8::1', '2001:db9::1', '::ffff:10.1.2.3', '::1', 'not-an-ip', '10.0.0.0/8', 10) },
        // Edges of address syntax.
        {
          weight: 1,
          arbitrary: pick(
            '::',
            '1::',
            'FE80::1',
            '2001:DB8::1',
            '1:2:3:4:5:6:7:8',
            '1:2:3:4:5:6:7::',
            '0:0:0:0:0:ffff:10.1.2.3',
            '::ffff:192.168.1.1',
            '1:2:3:4:5:6:10.1.2.3',
            '::10.1.2.3',
            '10.1.2',
            '10.1.2.3.4',
            '256.1.1.1',
            '010.1.2.3',
            'fe80::1%eth0',
            ' 10.1.2.3',
            '1:2:3:4:5:6:7:8:9',
            '1::2::3',
            '12345::1',
            ':::',
          ),
        },
      );
    default:
      return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...spec.words) }, { weight: 1, arbitrary: pick(0, 300, true, 'true', '10.1.2.3', 1e21, -0, '', 'a.b', '[x]') });
  }
};

const contextValue = (spec: KeySpec): fc.Arbitrary<ContextValue> =>
  fc.oneof(
    { weight: spec.type === 'multi' ? 2 : 8, arbitrary: requestScalar(spec) },
    { weight: spec.type === 'multi' ? 8 : 1, arbitrary: fc.array(requestScalar(spec), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<ContextValue>(null, []) },
  );

/**
 * Request values of a condition key (normalised: lower-case name, tag key as written), as the generated
 * requests give them; undefined for a key the generator does not know.
 */
export function contextValueOf(normKey: string): fc.Arbitrary<ContextValue> | undefined {
  const spec = KEYS.find((k) => normalizedKeyOf(k) === normKey);
  return spec && contextValue(spec);
}

/** One context entry: a key (in one of its spellings) and a value for it. */
const contextEntry: fc.Arbitrary<{ norm: string; key: string; value: ContextValue }> = fc.oneof(
  ...KEYS.map((spec) => fc.record({ norm: fc.constant(normalizedKeyOf(spec)), key: fc.constantFrom(...spec.spellings), value: contextValue(spec) })),
);

const requestContext: fc.Arbitrary<Record<string, ContextValue> | undefined> = fc.option(
  fc.array(contextEntry, { maxLength: 6 }).map((entries) => {
    // One entry per key (two spellings of one key would leave it to object order which one counts).
    const distinct = entries.filter((e, i) => entries.findIndex((x) => x.norm === e.norm) === i);
    return Object.fromEntries(distinct.map((e) => [e.key, e.value])) as Record<string, ContextValue>;
  }),
  { nil: undefined, freq: 5 },
);

const principal: fc.Arbitrary<Principal | undefined> = fc.option(
  fc
    .record(
      {
        type: fc.constantFrom<NonNullable<Principal['type']>>('user', 'user', 'user', 'user', 'agency', 'account', 'service_linked_agency'),
        account_id: fc.constantFrom(...ACCOUNTS),
        user_id: fc.constantFrom('u-1', 'u-2'),
        user_name: fc.constantFrom('alice', 'bob', 'Alice'),
        agency: fc.constantFrom('ops', 'dev'),
        session_name: fc.constantFrom('s-1', 's-2'),
        org_path: fc.constantFrom('o-1/r-1/ou-a/acc-1', 'o-1/r-1/ou-b/acc-2'),
        management_account: fc.constantFrom(false, false, false, true),
      },
      { requiredKeys: [] },
    )
    .map((p) => p as Principal),
  { nil: undefined, freq: 8 },
);

/** The object without its undefined fields (`{a: undefined}` is `{}`), typed as such (exactOptionalPropertyTypes). */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> };
function compact<T extends object>(o: T): Compact<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Compact<T>;
}

/** Values for the parameters of API paths (an image id may be %-escaped: `dir%2Fimg-3` is `dir/img-3`). */
const PATH_VALUES: Record<string, string[]> = { image_id: ['img-1', 'img-2', 'IMG-1', 'dir%2Fimg-3', 'x:y', '%E4%B8%AD', '%zz'], project_id: ['p-1'], member_id: ['m-1'], job_id: ['j-1'] };

/** An IMS API call (api mode, choice 7): a route of the catalog with its parameters filled, and hints. */
const apiCall: fc.Arbitrary<ApiCall> = fc
  .record({
    api: fc.constantFrom(...catalog.apis),
    values: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    lowerMethod: fc.constantFrom(false, false, false, true),
    suffix: fc.constantFrom('', '', '', '', '/', '?limit=1', '/?marker=x#top'),
    hints: fc.option(fc.record({ quick_import_disk: fc.constantFrom<'system' | 'data'>('system', 'data'), enterprise_project: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
  })
  .map(({ api, values, lowerMethod, suffix, hints }) => {
    let k = 0;
    const path = api.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const choices = PATH_VALUES[name] ?? ['v'];
      return choices[values[k++ % values.length]! % choices.length]!;
    });
    return compact({ method: lowerMethod ? api.method.toLowerCase() : api.method, path: path + suffix, hints });
  });

const request: fc.Arbitrary<EvaluateRequest> = fc
  .record({
    principal,
    /** `action`, `actions` (a batch) or `api`. */
    mode: fc.constantFrom('action', 'action', 'action', 'action', 'actions', 'api', 'api'),
    names: fc.array(requestAction, { minLength: 1, maxLength: 3 }),
    api: apiCall,
    resourceForm: fc.constantFrom('none', 'none', 'none', 'none', 'one', 'one', 'one', 'many'),
    resources: fc.array(requestResource, { minLength: 1, maxLength: 3 }),
    region: fc.constantFrom<string | undefined>(...REGIONS, ...REGIONS, undefined),
    context: requestContext,
    /** Image sharing (the image is shared with the caller's account) and, in api mode, the image's owner. */
    shared: fc.option(fc.constantFrom<'pending' | 'accepted' | 'rejected'>('pending', 'accepted', 'accepted', 'rejected'), { nil: undefined, freq: 3 }),
    owner: fc.option(fc.constantFrom(...ACCOUNTS), { nil: undefined, freq: 3 }),
  })
  .map((g) =>
    compact({
      principal: g.principal,
      region: g.region,
      context: g.context,
      shared_image: g.shared === undefined ? undefined : { member_status: g.shared },
      image_owner_account_id: g.mode === 'api' ? g.owner : undefined,
      ...(g.mode === 'api' ? { api: g.api } : g.mode === 'actions' ? { actions: g.names } : { action: g.names[0]! }),
      ...(g.resourceForm === 'one' ? { resource: g.resources[0]! } : g.resourceForm === 'many' ? { resources: [...new Set(g.resources)] } : {}),
    }),
  );

/** Requests decided against each generated policy set. */
export const REQUESTS_PER_GROUP = 10;

/** A policy set and the requests decided against it. */
export interface DiffGroup {
  policies: ScopedPolicy[];
  scps: ScpLevelInput[];
  /** Whether the identity policies keep their grant scopes (only a compiled set can carry them). */
  scoped: boolean;
  requests: EvaluateRequest[];
}

export const diffGroup: fc.Arbitrary<DiffGroup> = fc.record({
  policies: identityPolicies,
  scps: scpChain,
  scoped: fc.constantFrom(false, false, false, true),
  requests: fc.array(request, { minLength: REQUESTS_PER_GROUP, maxLength: REQUESTS_PER_GROUP }),
});

/**
 * The cases of a group. Without scopes the first request carries the policies inline (`evaluate`) and the
 * others are decided by the set compiled once (`createEvaluator`); with scopes, all of them are.
 */
export function casesOf(g: DiffGroup): DiffCase[] {
  const preset: PolicySet = { policies: g.scoped ? g.policies : g.policies.map(({ id, document: d }) => ({ id, document: d })), scps: g.scps };
  return g.requests.map((request, i) => (i === 0 && !g.scoped ? { request: { ...request, policies: [...preset.policies!], scps: [...g.scps] } } : { request, preset }));
}
