/**
 * Semantic checks of a parsed policy against the IMS catalog: actions, resource URNs, condition keys,
 * SCP syntax revisions, risky grants and redundancy.
 */
import {
  actionAt,
  actionsMatchingPattern,
  actionCarriesKey,
  catalog,
  conditionKeyInfo,
  isActionScopedConditionKey,
  lookupAction,
  normalizeConditionKey,
  servicePrefix,
  SHARING_ACTIONS,
} from '../catalog/catalog.js';
import { pointer } from '../json/source.js';
import { compileGlobLower, hasWildcard, type Glob } from '../match/glob.js';
import type { ParsedPolicy, ParsedStatement } from '../policy/model.js';
import { familyFitsKeyType } from '../policy/operators.js';
import { hasPolicyVariable } from '../policy/parse.js';
import type { PolicyType, ScpRevision } from '../types.js';
import type { CatalogConditionKey } from '../catalog/catalog.js';
import type { Reporter } from './reporter.js';
import { suggest, suggestActionName } from './suggest.js';
import { work } from '../steps.js';

export interface CheckOptions {
  type: PolicyType;
  scpRevision: ScpRevision;
}

/** Catalog entries (by index) matched by an action pattern, tested against canonical names and aliases. */
export function catalogActionsMatching(pattern: string): number[] {
  return [...actionsMatchingPattern(pattern.toLowerCase())];
}

/** Names the suggestions of malformed actions are drawn from (made once; unknown ones: suggestActionName). */
let canonicalActionNames: string[] | undefined;
const canonicalNames = (): string[] => (canonicalActionNames ??= catalog.actions.map((a) => a.name));

/**
 * Pairs of patterns compared for REDUNDANT_ACTION per statement, at most: beyond it (a list of hundreds of
 * patterns), only repeats of one pattern are reported. Exact repeats cost a hash lookup each; a covering
 * pattern needs a comparison per pair, so the pairs are bounded (docs/limits.md).
 */
export const MAX_REDUNDANCY_PAIRS = 20_000;

const ACTION_FORMAT = /^[A-Za-z0-9_*?-]+(:[A-Za-z0-9_*?-]+){0,2}$/;

export function checkPolicy(policy: ParsedPolicy, opts: CheckOptions, r: Reporter): void {
  const sids = new Map<string, number>();
  for (const st of policy.statements) {
    if (st.sid !== null && st.sid !== '') {
      const prior = sids.get(st.sid);
      if (prior !== undefined) r.report('DUPLICATE_SID', pointer(st.path, 'Sid'), `Statements ${prior} and ${st.index} share the Sid "${st.sid}"; Sids should be unique.`);
      else sids.set(st.sid, st.index);
    }
    const matched = checkActions(st, policy.version, r);
    checkResources(st, policy.version, matched, r);
    checkConditions(st, matched, r);
    checkRisk(st, opts, matched, r);
    if (opts.type === 'scp') checkScpRevision(st, opts.scpRevision, r);
  }
}

/** Catalog entries the statement's Action list designates (null for NotAction statements). */
interface ActionCoverage {
  indices: Set<number>;
  /** Action patterns that name something outside the catalog (another service). */
  foreign: boolean;
  /** The statement's actions include every IMS action (`*`, `ims:*`, ...). */
  allIms: boolean;
}

function checkActions(st: ParsedStatement, version: string, r: Reporter): ActionCoverage | null {
  const list = st.actions ?? st.notActions ?? [];
  const element = st.actions ? 'Action' : 'NotAction';
  const base = pointer(st.path, element);
  const coverage: ActionCoverage = { indices: new Set(), foreign: false, allIms: false };
  const perPattern: Array<{ i: number; pattern: string; set: number[] | null }> = [];
  list.forEach((pattern, i) => {
    const at = pointer(base, i);
    if (pattern === '*') {
      catalog.actions.forEach((a, idx) => a.kind !== 'foreign' && coverage.indices.add(idx));
      coverage.foreign = true;
      perPattern.push({ i, pattern, set: null });
      return;
    }
    if (pattern.trim() !== pattern || !ACTION_FORMAT.test(pattern) || (!hasWildcard(pattern) && pattern.split(':').length !== 3)) {
      r.report('INVALID_ACTION_FORMAT', at, `"${pattern}" is not an action: write service:resourceType:operation (wildcards * and ? allowed).`, {
        suggestions: suggest(pattern.trim(), canonicalNames(), 3, r),
      });
      return;
    }
    const service = servicePrefix(pattern);
    if (version === '1.1' && service !== pattern.slice(0, service.length)) {
      r.report('V11_SERVICE_NOT_LOWERCASE', at, `In 1.1 policies the service name must be lowercase: "${pattern.slice(0, service.length)}".`);
    }
    if (hasWildcard(service)) {
      // Service wildcards (`*:images:list`) reach beyond the catalog; what they match in IMS still counts.
      for (const idx of catalogActionsMatching(pattern)) coverage.indices.add(idx);
      coverage.foreign = true;
      perPattern.push({ i, pattern, set: null });
      return;
    }
    if (service !== catalog.service) {
      coverage.foreign = true;
      const known = catalogActionsMatching(pattern);
      r.report(
        'FOREIGN_ACTION',
        at,
        known.length > 0
          ? `"${pattern}" is an action of another service (named as a dependency in the IMS tables); it is outside this catalog and not checked.`
          : `"${pattern}" is an action of another service; it is outside the IMS catalog and not checked.`,
      );
      perPattern.push({ i, pattern, set: null });
      return;
    }
    const matches = hasWildcard(pattern) ? catalogActionsMatching(pattern) : [...lookupAction(pattern)];
    if (matches.length === 0) {
      const legacy = version === '1.1';
      if (hasWildcard(pattern)) {
        r.report('ACTION_MATCHES_NOTHING', at, `"${pattern}" matches no IMS action in the catalog.`, {
          suggestions: r.full('error') ? [] : suggestActionName(pattern.replace(/[*?]/g, ''), { legacy, budget: r }),
        });
      } else {
        r.report('UNKNOWN_ACTION', at, `"${pattern}" is not an IMS action.`, { suggestions: r.full('error') ? [] : suggestActionName(pattern, { legacy, budget: r }) });
      }
      perPattern.push({ i, pattern, set: [] });
      return;
    }
    if (version === '5.0') checkLegacyName(pattern, matches, at, r);
    for (const idx of matches) coverage.indices.add(idx);
    perPattern.push({ i, pattern, set: matches });
  });
  const imsActions = catalog.actions.map((a, i) => (a.kind === 'action' ? i : -1)).filter((i) => i >= 0);
  coverage.allIms = imsActions.every((i) => coverage.indices.has(i));

  // Redundancy: exact duplicates (case-insensitive) and patterns covered by another pattern of the list.
  // Repeats by a hash of the lower-cased text; covering pairs among the distinct patterns, compared while
  // the pairs stay within MAX_REDUNDANCY_PAIRS (and the document's optional work affords them).
  if (perPattern.length > 1) reportRedundantActions(perPattern, base, element, r);
  if (st.notActions) {
    if (list.some((p) => p === '*')) r.report('STATEMENT_NEVER_APPLIES', base, '"NotAction": ["*"] excludes every action: the statement never applies.');
    return null;
  }
  return coverage;
}

function reportRedundantActions(perPattern: Array<{ i: number; pattern: string; set: number[] | null }>, base: string, element: string, r: Reporter): void {
  const n = perPattern.length;
  const lower = perPattern.map((a) => a.pattern.toLowerCase());
  // The position of each pattern's first occurrence (a hash for long lists; a scan of a short one is cheaper).
  const first = new Int32Array(n);
  let distinct = 0;
  if (n <= 16) {
    for (let k = 0; k < n; k++) first[k] = lower.indexOf(lower[k] as string);
  } else {
    const firstOf = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const f = firstOf.get(lower[k] as string);
      if (f === undefined) firstOf.set(lower[k] as string, k);
      first[k] = f ?? k;
    }
  }
  for (let k = 0; k < n; k++) if (first[k] === k) distinct++;
  work.steps += n;
  const pairs = distinct * (distinct - 1);
  const comparePairs = pairs <= MAX_REDUNDANCY_PAIRS && r.afford(pairs);
  const globs: Array<Glob | undefined> = [];
  for (let k = 0; k < n; k++) {
    const a = perPattern[k] as (typeof perPattern)[number];
    const f = first[k] as number;
    // As if every earlier pattern were compared in order: a covering one before the first repeat wins.
    let coveredBy = -1;
    if (comparePairs) {
      const until = f < k ? f : n;
      for (let j = 0; j < until; j++) {
        if (j === k || first[j] !== j || lower[j] === lower[k]) continue;
        work.steps += 1;
        if (covers(perPattern[j] as (typeof perPattern)[number], a, lower[k] as string, globs, j, r)) {
          coveredBy = j;
          break;
        }
      }
    }
    if (coveredBy !== -1) r.report('REDUNDANT_ACTION', pointer(base, a.i), `"${a.pattern}" is already covered by "${(perPattern[coveredBy] as (typeof perPattern)[number]).pattern}" in "${element}".`);
    else if (f < k) r.report('REDUNDANT_ACTION', pointer(base, a.i), `"${a.pattern}" is listed twice in "${element}".`);
  }
}

/**
 * 5.0 policies (and SCPs) name actions by their current names; the legacy 1.1 names (catalog aliases:
 * `ims:images:delete` for `ims:images:deleteImage`) are still read as the actions they designate, with a
 * warning that gives the mapping. A wildcard warns when it reaches an action only through its legacy name.
 */
function checkLegacyName(pattern: string, matches: readonly number[], at: string, r: Reporter): void {
  const glob = compileGlobLower(pattern);
  const names: string[] = [];
  const legacy = new Set<string>();
  for (const idx of matches) {
    const a = actionAt(idx);
    if (glob.test(a.name.toLowerCase())) continue;
    names.push(a.name);
    for (const x of a.aliases) if (glob.test(x.toLowerCase())) legacy.add(x);
  }
  if (names.length === 0) return;
  const s = names.length > 1 ? 's' : '';
  r.report(
    'LEGACY_ACTION_NAME',
    at,
    `"${pattern}" ${glob.literal ? 'is the legacy (1.1) name of' : 'matches'} ${names.join(' and ')}${glob.literal ? '' : ` only through the legacy (1.1) name ${[...legacy].join(', ')}`}; 5.0 policies use the current name${s}: write ${names.map((n) => `"${n}"`).join(' and ')}.`,
    { suggestions: names },
  );
}

/**
 * Whether pattern A covers pattern B (B adds nothing to a list that has A); of two equal ones the later is
 * redundant. A glob test of A against B's text draws its bound from the document's optional work.
 */
function covers(
  a: { i: number; pattern: string; set: number[] | null },
  b: { i: number; pattern: string; set: number[] | null },
  bLower: string,
  globs: Array<Glob | undefined>,
  at: number,
  r: Reporter,
): boolean {
  if (a.pattern === '*') return true;
  if (a.set !== null && b.set !== null) {
    // Both are IMS patterns: compare what they designate in the catalog (aliases included).
    work.steps += b.set.length + 1;
    if (b.set.length === 0 || !b.set.every((x) => (a.set as number[]).includes(x))) return false;
    return a.set.length > b.set.length || a.i < b.i;
  }
  // Otherwise: A's glob matches B's text (B's own wildcards taken literally).
  if (!hasWildcard(a.pattern)) return false;
  const glob = (globs[at] ??= compileGlobLower(a.pattern));
  return r.afford(glob.fixed + bLower.length * glob.perChar) && glob.test(bLower);
}

const URN_MIN_SEGMENTS = 5;

function checkResources(st: ParsedStatement, version: string, coverage: ActionCoverage | null, r: Reporter): void {
  const list = st.resources ?? st.notResources;
  if (!list) return;
  const element = st.resources ? 'Resource' : 'NotResource';
  const base = pointer(st.path, element);
  let specific = false;
  list.forEach((urn, i) => {
    const at = pointer(base, i);
    if (/^\*+$/.test(urn)) return;
    specific = true;
    const parts = urn.split(':');
    if (parts.length < URN_MIN_SEGMENTS) {
      r.report('INVALID_URN', at, `"${urn}" is not a resource URN: write service:region:account-id:type:resource-path (e.g. ims:cn-north-4:<account-id>:image:<image-id>), or "*".`);
      return;
    }
    const service = parts[0] as string;
    if (service === '' || hasWildcard(service)) {
      r.report('WILDCARD_IN_URN_SERVICE', at, `The service segment of "${urn}" must be a literal service name: no wildcard, not empty.`);
      return;
    }
    if (service.toLowerCase() !== catalog.service) {
      r.report('FOREIGN_RESOURCE', at, `"${urn}" is a resource of another service; it is outside the IMS catalog and not checked.`);
      return;
    }
    const type = parts[3] as string;
    const types = catalog.resource_types.map((t) => t.name);
    if (!hasWildcard(type) ? !types.includes(type) : !types.some((t) => compileGlobLower(type).test(t))) {
      r.report('UNKNOWN_RESOURCE_TYPE', at, `"${type}" is not an IMS resource type (IMS defines: ${types.join(', ')}; URN ${catalog.resource_types[0]?.urn_template}).`, {
        suggestions: suggest(type, types, 3, r),
      });
    }
    if (hasPolicyVariable(urn)) {
      r.report('POLICY_VARIABLE_NOT_SUPPORTED', at, `Huawei IAM documents no policy variables: "${urn}" is matched literally.`);
    }
    if (version === '1.1') {
      // Huawei IAM user guide, "Cloud Services Supporting IAM Resource-Level Authorization": IMS is not among
      // them in 1.1, and a 1.1 policy naming a resource type its service does not support fails to create
      // (docs/semantics.md, "1.1 policies and resources"). "*" stays fine.
      r.report(
        'V11_RESOURCE_NOT_SUPPORTED',
        at,
        `IMS has no resource-level authorization in 1.1 policies: Huawei refuses to create a 1.1 policy that names an IMS resource. Drop "Resource" (or write ["*"]), or write the statement as a 5.0 policy, which can name IMS resources.`,
        { suggestions: ['*'] },
      );
    }
  });
  if (list.some((x) => /^\*+$/.test(x)) && list.length > 1) {
    list.forEach((urn, i) => {
      if (!/^\*+$/.test(urn)) r.report('REDUNDANT_RESOURCE', pointer(base, i), `"${urn}" is already covered by "*" in "${element}".`);
    });
  } else {
    const seen = new Set<string>();
    list.forEach((urn, i) => {
      if (seen.has(urn)) r.report('REDUNDANT_RESOURCE', pointer(base, i), `"${urn}" is listed twice in "${element}".`);
      seen.add(urn);
    });
  }
  if (st.notResources && list.some((x) => /^\*+$/.test(x))) {
    r.report('STATEMENT_NEVER_APPLIES', base, '"NotResource": ["*"] excludes every resource: the statement never applies.');
  }

  // Specific resources for actions that support no resource-level permission.
  if (st.resources && specific && coverage && st.actions) {
    const noResource: string[] = [];
    const named: string[] = [];
    for (const idx of coverage.indices) {
      const a = actionAt(idx);
      if (a.kind === 'action' && a.resource_types.length === 0) noResource.push(a.name);
    }
    st.actions.forEach((p) => {
      if (hasWildcard(p) || servicePrefix(p) !== catalog.service) return;
      for (const idx of lookupAction(p)) {
        const a = actionAt(idx);
        if (a.kind === 'action' && a.resource_types.length === 0 && !named.includes(a.name)) named.push(a.name);
      }
    });
    const withResource = [...coverage.indices].some((idx) => actionAt(idx).resource_types.length > 0);
    const onlyStar = st.resources.every((x) => !/^\*+$/.test(x));
    if (onlyStar && (named.length > 0 || (!withResource && noResource.length > 0 && !coverage.foreign))) {
      const names = named.length > 0 ? named : noResource;
      r.report(
        'RESOURCE_NOT_SUPPORTED_BY_ACTION',
        base,
        `${names.join(', ')} ${names.length === 1 ? 'supports' : 'support'} no resource-level permission: the resource must be "*", so this statement does not apply to ${names.length === 1 ? 'it' : 'them'}.`,
      );
    }
  }
}

/**
 * The checks of a condition key's name (known, of this service, supported by the statement's actions),
 * which need no operator (nor the actions: see checkKeySupportedByActions). Returns the catalog entry of an IMS or global key (null: reported or foreign).
 */
function checkConditionKeyName(key: string, keyPath: string, r: Reporter): CatalogConditionKey | null {
  const service = servicePrefix(key);
  const norm = normalizeConditionKey(key);
  if (!key.includes(':') || service === '') {
    r.report('UNKNOWN_CONDITION_KEY', keyPath, `"${key}" is not a condition key: keys are "g:<Name>" (global) or "<service>:<Name>".`, {
      atKey: true,
      suggestions: suggest(
        key,
        catalog.condition_keys.map((k) => k.key),
        3,
        r,
      ),
    });
    return null;
  }
  if (service !== 'g' && service !== catalog.service) {
    r.report('FOREIGN_CONDITION_KEY', keyPath, `"${key}" is a condition key of another service; it is outside the IMS catalog and not checked.`, { atKey: true });
    return null;
  }
  if (norm.tagKey !== null && norm.tagKey === '') {
    r.report('MISSING_TAG_KEY', keyPath, `"${key}" needs a tag key after the "/" (e.g. ${key}env).`, { atKey: true });
    return null;
  }
  const info = conditionKeyInfo(key);
  if (!info) {
    r.report('UNKNOWN_CONDITION_KEY', keyPath, `"${key}" is not a known ${service === 'g' ? 'global' : 'IMS'} condition key.`, {
      atKey: true,
      suggestions: suggest(
        key,
        catalog.condition_keys.filter((k) => k.key.toLowerCase().startsWith(`${service}:`)).map((k) => k.key),
        3,
        r,
      ),
    });
    return null;
  }
  if (info.status === 'unverified') {
    r.report('UNVERIFIED_CONDITION_KEY', keyPath, `"${info.key}" is not confirmed by Huawei's documentation; it may never be present in a request.`, { atKey: true });
  }
  return info;
}

/**
 * Keys scoped per action in the tables: warns when no action of the statement supports the key.
 * ims:TargetOrgPaths is accepted on every sharing/member action: the validator recommends it there
 * (the seed lists it on ims:images:share only; see the catalog note TARGET_ORG_PATHS_ONLY_ON_SHARE).
 */
function checkKeySupportedByActions(key: string, keyPath: string, coverage: ActionCoverage | null, r: Reporter): void {
  if (!coverage || coverage.foreign || coverage.indices.size === 0 || !isActionScopedConditionKey(key)) return;
  const supported = [...coverage.indices].some((idx) => actionCarriesKey(idx, key));
  if (!supported) {
    r.report('CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', keyPath, `No action of this statement supports "${key}": the key is absent from their requests.`, { atKey: true });
  }
}

function checkConditions(st: ParsedStatement, coverage: ActionCoverage | null, r: Reporter): void {
  // Keys under an operator that could not be read: their names are still checked, so that an unknown
  // operator does not hide a misspelled key of the same block.
  for (const k of st.orphanKeys ?? []) {
    if (checkConditionKeyName(k.key, k.path, r)) checkKeySupportedByActions(k.key, k.path, coverage, r);
  }
  for (const c of st.conditions) {
    const { info, qualifier } = c.operator;
    const keyPath = c.path;
    const info2 = checkConditionKeyName(c.key, keyPath, r);
    if (!info2) continue;
    if (!familyFitsKeyType(info.family, info2.type)) {
      r.report('CONDITION_TYPE_MISMATCH', keyPath, `${info.name} compares ${info.family} values but "${info2.key}" is of type ${info2.type}: the condition never matches a present value.`, {
        atKey: true,
      });
    }
    if (info.family !== 'null') {
      if (info2.multi_valued && qualifier === null) {
        r.report(
          'MULTI_VALUED_KEY_WITHOUT_QUALIFIER',
          keyPath,
          `"${info2.key}" is multi-valued: say "ForAnyValue:${c.operator.written}" or "ForAllValues:${c.operator.written}" (without a qualifier it is read as ForAnyValue).`,
          { atKey: true },
        );
      } else if (!info2.multi_valued && qualifier !== null) {
        r.report('SINGLE_VALUED_KEY_WITH_QUALIFIER', keyPath, `"${info2.key}" is single-valued: the "${qualifier}:" qualifier is meant for multi-valued keys.`, { atKey: true });
      }
    }
    checkKeySupportedByActions(c.key, keyPath, coverage, r);
  }
  // Null "true" (key absent) together with a positive test of the same key (key present): never both.
  // The first positive test of each key, found in one pass (not per Null condition: that was quadratic).
  const positive = new Map<string, (typeof st.conditions)[number]>();
  for (const c of st.conditions) {
    if (c.operator.info.family === 'null' || c.operator.info.negated || c.operator.ifExists || c.operator.qualifier === 'ForAllValues') continue;
    const k = normalizeConditionKey(c.key).normalized;
    if (!positive.has(k)) positive.set(k, c);
  }
  for (const n of st.conditions) {
    if (n.operator.info.family !== 'null' || !n.values.every((v) => v.toLowerCase() === 'true')) continue;
    const k = normalizeConditionKey(n.key).normalized;
    const clash = positive.get(k);
    if (clash) {
      r.report(
        'STATEMENT_NEVER_APPLIES',
        st.path.concat('/Condition'),
        `"Null": {"${n.key}": "true"} requires the key to be absent while ${clash.operator.written} requires it: the statement never applies.`,
      );
    }
  }
  // Operator-level checks that need the operator's written name.
  for (const c of st.conditions) {
    const { info } = c.operator;
    if (info.status === 'aws') {
      r.report('AWS_OPERATOR_NAME', c.path.slice(0, c.path.lastIndexOf('/')), `"${info.name}" is the AWS name; Huawei calls it "${info.readAs}" (read as such).`, { atKey: true });
    } else if (info.status === 'unverified') {
      r.report('UNVERIFIED_OPERATOR', c.path.slice(0, c.path.lastIndexOf('/')), `"${info.name}" is not in Huawei's documented operator tables; Huawei may refuse it.`, { atKey: true });
    }
  }
}

function checkRisk(st: ParsedStatement, opts: CheckOptions, coverage: ActionCoverage | null, r: Reporter): void {
  if (st.effect !== 'Allow') return;
  if (st.notActions) {
    r.report(
      'ALLOW_WITH_NOT_ACTION',
      pointer(st.path, 'NotAction'),
      'Allow with "NotAction" grants every action not listed, including actions added to the catalog later; list the allowed actions instead.',
      {
        atKey: true,
      },
    );
  }
  if (st.notResources && opts.type === 'identity') {
    r.report('ALLOW_WITH_NOT_RESOURCE', pointer(st.path, 'NotResource'), 'Allow with "NotResource" grants every resource not listed, including resources created later.', { atKey: true });
  }
  if (opts.type === 'identity' && st.actions && st.conditions.length === 0) {
    const allResources = st.resources === null || st.resources.some((x) => /^\*+$/.test(x));
    const allActions = st.actions.some((p) => {
      const l = p.toLowerCase();
      return /^[*:]+$/.test(l) || /^ims:\*+(:\*+)*$/.test(l);
    });
    if (allResources && allActions) {
      r.report(
        'ALLOW_ALL_WITHOUT_CONDITION',
        pointer(st.path, 'Action'),
        'This statement allows every IMS action on every resource with no condition; grant only the actions needed, or add conditions.',
      );
    }
  }
  if (coverage && opts.type === 'identity') {
    const sharing = [...coverage.indices].map((i) => actionAt(i).name).filter((n) => SHARING_ACTIONS.has(n.toLowerCase()));
    const limited = st.conditions.some((c) => c.key.toLowerCase() === 'ims:targetorgpaths');
    if (sharing.length > 0 && !limited) {
      r.report(
        'SHARING_WITHOUT_ORG_PATH_CONDITION',
        pointer(st.path, 'Action'),
        `Allows image sharing (${sharing.join(', ')}) with no "ims:TargetOrgPaths" condition: images can be shared with any account; restrict the target organization paths.`,
      );
    }
  }
}

function checkScpRevision(st: ParsedStatement, revision: ScpRevision, r: Reporter): void {
  const label = revision === '2024' ? 'the 2024 SCP syntax' : revision === '2025-07' ? 'the July 2025 SCP syntax' : 'the current SCP syntax (December 2025)';
  if (revision === '2024') {
    if (st.notResources) r.report('SCP_NOT_RESOURCE_NOT_SUPPORTED', pointer(st.path, 'NotResource'), `"NotResource" is not supported in ${label}.`, { atKey: true });
    if (st.effect === 'Allow') {
      if (st.notActions) r.report('SCP_ALLOW_WITH_NOT_ACTION', pointer(st.path, 'NotAction'), `An Allow SCP statement must use "Action", not "NotAction" (${label}).`, { atKey: true });
      if (st.conditions.length > 0) r.report('SCP_ALLOW_WITH_CONDITION', pointer(st.path, 'Condition'), `An Allow SCP statement cannot have a "Condition" (${label}).`, { atKey: true });
      if (st.resources && !st.resources.every((x) => x === '*')) {
        r.report('SCP_ALLOW_WITH_RESOURCE', pointer(st.path, 'Resource'), `An Allow SCP statement must use "Resource": ["*"] (${label}).`);
      }
    }
    const list = st.actions ?? st.notActions ?? [];
    const element = st.actions ? 'Action' : 'NotAction';
    list.forEach((p, i) => {
      const first = p.search(/[*?]/);
      if (first !== -1 && p !== '*' && first !== p.length - 1) {
        r.report('SCP_ACTION_WILDCARD_POSITION', pointer(pointer(st.path, element), i), `In ${label} a wildcard may appear only alone or at the end of an action ("${p}").`);
      }
    });
    return;
  }
  if (st.effect === 'Allow') {
    r.report('SCP_ALLOW_NOT_SUPPORTED', pointer(st.path, 'Effect'), `Custom SCPs may only Deny in ${label}; Allow remains only in the system SCP FullAccess.`);
  }
  if (st.notActions) r.report('SCP_NOT_ACTION_NOT_SUPPORTED', pointer(st.path, 'NotAction'), `"NotAction" is not supported in ${label}.`, { atKey: true });
  if (revision === '2025-07' && st.notResources) {
    r.report('SCP_NOT_RESOURCE_NOT_SUPPORTED', pointer(st.path, 'NotResource'), `"NotResource" is not supported in ${label}.`, { atKey: true });
  }
}
