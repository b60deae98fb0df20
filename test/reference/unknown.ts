/**
 * Soundness of three-valued evaluation (`unknown_context_keys`, docs/semantics.md "Unknown context keys"),
 * checked against the engine's own two-valued evaluation: for a generated policy set and request (the
 * differential generator), a random set of unknown keys drawn from the keys the policies name (exact
 * names in any spelling, prefixes, `*`), and random concrete fillings of those keys (absent, `null`, `[]`,
 * one or several values, from the policies' constants and from the generator's words):
 *  - three-valued `allow` => every filling is allowed (the request and each result);
 *  - `explicit_deny` / `implicit_deny` => every filling is denied;
 *  - `context_required` => no claim; the counts say how often fillings went both ways.
 * And with no key of the policies unknown, the three-valued answer is the two-valued one.
 * Shared by test/unknown-context.test.ts and `npm run fuzz:unknown`.
 */
import fc from 'fast-check';
import { createEvaluator, evaluate, type Evaluator } from '../../lib/index.js';
import type { ContextValue, EvaluateRequest, EvaluateResponse, EvaluateResult, JsonValue } from '../../lib/types.js';
import { contextValueOf, diffGroup, casesOf, type DiffGroup } from './generate.js';
import { normalizeKey, REFERENCE_NOW, type PolicySet } from './model.js';

/** The engine's time of evaluation in these runs. */
const clock = (): number => REFERENCE_NOW;

/** Fillings tried per request. */
export const FILLINGS = 6;

/** A condition key of the group's policies: its normalised name, the spellings used, the constants compared with it. */
interface PolicyKey {
  norm: string;
  spellings: string[];
  constants: string[];
}

const EP = 'g:EnterpriseProjectId';

function documentsOf(g: DiffGroup): JsonValue[] {
  const docs = [...g.policies.map((p) => p.document), ...g.scps.flatMap((l) => l.policies.map((p) => p.document))];
  return docs.map((d) => (typeof d === 'string' ? (JSON.parse(d) as JsonValue) : (d as JsonValue)));
}

/** Every condition key the group's documents name (and g:EnterpriseProjectId when a grant has an enterprise-project scope). */
export function policyKeys(g: DiffGroup): PolicyKey[] {
  const keys = new Map<string, PolicyKey>();
  const note = (key: string, values: JsonValue | undefined): void => {
    const norm = normalizeKey(key);
    let k = keys.get(norm);
    if (!k) keys.set(norm, (k = { norm, spellings: [], constants: [] }));
    if (!k.spellings.includes(key)) k.spellings.push(key);
    for (const v of values === undefined ? [] : Array.isArray(values) ? values : [values]) if (v !== null && typeof v !== 'object' && !k.constants.includes(String(v))) k.constants.push(String(v));
  };
  for (const d of documentsOf(g)) {
    const statements = (d as { Statement?: JsonValue }).Statement;
    for (const st of Array.isArray(statements) ? statements : []) {
      const cond = (st as { Condition?: JsonValue }).Condition;
      if (!cond || typeof cond !== 'object' || Array.isArray(cond)) continue;
      for (const block of Object.values(cond)) {
        if (!block || typeof block !== 'object' || Array.isArray(block)) continue;
        for (const [key, values] of Object.entries(block)) note(key, values);
      }
    }
  }
  if (g.scoped && g.policies.some((p) => p.scope?.type === 'enterprise_project')) note(EP, ['ep-1', '0']);
  return [...keys.values()];
}

/** Patterns besides the keys' own prefixes. */
const PATTERNS = ['*', 'ims:*', 'g:*', 'g:ResourceTag/*', 'G:RESOURCETAG/*', 'g:RequestTag/*', 'g:Principal*', 'g:resourcetag/E*', 'obs:*'];

/** Random letters of a key in the other case (names compare case-insensitively; tag keys do not). */
function recased(key: string, flips: number[]): string {
  const chars = [...key];
  for (const f of flips) {
    const i = f % chars.length;
    const c = chars[i]!;
    chars[i] = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  }
  return chars.join('');
}

const unknownEntry = (keys: readonly PolicyKey[]): fc.Arbitrary<string> => {
  const spellings = keys.flatMap((k) => k.spellings);
  const options: Array<fc.WeightedArbitrary<string>> = [{ weight: 2, arbitrary: fc.constantFrom(...PATTERNS) }];
  if (spellings.length > 0) {
    options.push({ weight: 5, arbitrary: fc.constantFrom(...spellings) });
    options.push({ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...spellings), fc.array(fc.nat(), { maxLength: 3 })).map(([k, f]) => recased(k, f)) });
    // A prefix of a key, as a pattern.
    options.push({ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...spellings), fc.nat()).map(([k, n]) => `${k.slice(0, n % (k.length + 1))}*`) });
  }
  return fc.oneof(...options);
};

/** A filling value for a key: absent, a policy constant, a generated request value, or several values. */
function fillingValue(k: PolicyKey): fc.Arbitrary<ContextValue> {
  const scalar: fc.Arbitrary<string | number | boolean> = fc.oneof(
    ...(k.constants.length > 0 ? [fc.constantFrom(...k.constants)] : []),
    fc.constantFrom<string | number | boolean>('x', '', 0, 300, true, false, 'true', '10.1.2.3', '2026-01-01T00:00:00Z', 'ep-1', 'o-1/r-1/ou-a', 'prod'),
  );
  const generated = contextValueOf(k.norm);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom<ContextValue>(null, []) },
    { weight: 4, arbitrary: scalar },
    { weight: 2, arbitrary: fc.array(scalar, { minLength: 1, maxLength: 3 }) },
    ...(generated ? [{ weight: 3, arbitrary: generated }] : []),
  );
}

export interface UnknownRequestCase {
  unknown: string[];
  /** By key index (see `policyKeys`). */
  fillings: ContextValue[][];
}

export interface UnknownGroup {
  group: DiffGroup;
  requests: UnknownRequestCase[];
}

export const unknownGroup: fc.Arbitrary<UnknownGroup> = diffGroup.chain((group) => {
  const keys = policyKeys(group);
  const filling = fc.tuple(...keys.map(fillingValue)) as fc.Arbitrary<ContextValue[]>;
  const one = fc.record({
    unknown: fc.array(unknownEntry(keys), { minLength: 1, maxLength: 4 }),
    fillings: fc.array(filling, { minLength: FILLINGS, maxLength: FILLINGS }),
  });
  return fc.record({ group: fc.constant(group), requests: fc.array(one, { minLength: group.requests.length, maxLength: group.requests.length }) });
});

export interface UnknownStats {
  requests: number;
  skipped: number;
  /** Three-valued outcomes. */
  outcomes: Record<'allowed' | 'explicit_deny' | 'implicit_deny' | 'context_required', number>;
  /** Requests with some key of the policies unknown. */
  withUnknown: number;
  fillings: number;
  /** context_required: requests whose fillings went both ways, only deny, only allow. */
  contextRequired: { both: number; onlyDeny: number; onlyAllow: number };
}

export function emptyUnknownStats(): UnknownStats {
  return {
    requests: 0,
    skipped: 0,
    outcomes: { allowed: 0, explicit_deny: 0, implicit_deny: 0, context_required: 0 },
    withUnknown: 0,
    fillings: 0,
    contextRequired: { both: 0, onlyDeny: 0, onlyAllow: 0 },
  };
}

/** Derived keys the engine fills (docs/semantics.md, choice 2), normalised: known unless named exactly. */
function derivedKeys(req: EvaluateRequest): Set<string> {
  const p = req.principal ?? {};
  const out = new Set<string>();
  const add = (k: string, v: string | undefined): void => {
    if (v) out.add(normalizeKey(k));
  };
  add('g:UserId', p.user_id);
  add('g:UserName', p.user_name);
  add('g:PrincipalAccount', p.account_id);
  add('g:PrincipalOrgPath', p.org_path);
  add('g:ProjectName', req.region);
  add('g:RequestedRegion', req.region);
  // Filled from the principal as the research documents them, and the time of evaluation (always known).
  const type = p.type ?? 'user';
  add('g:PrincipalUrn', p.account_id && ((type === 'user' && p.user_name) || (type === 'agency' && p.agency && p.session_name)) ? 'urn' : undefined);
  add('g:PrincipalId', type === 'user' ? p.user_id : undefined);
  add('g:PrincipalOrgId', p.org_path?.split('/')[0]);
  add('g:PrincipalOrgManagementAccountId', p.management_account === true ? p.account_id : undefined);
  add('g:CurrentTime', 'now');
  return out;
}

/** Which normalised keys of `keys` are unknown for the request (the rules of docs/semantics.md, read independently). */
export function unknownKeysOf(req: EvaluateRequest, unknown: readonly string[], keys: readonly PolicyKey[]): Set<string> {
  const given = new Set(Object.keys(req.context ?? {}).map(normalizeKey));
  const derived = derivedKeys(req);
  const exact = new Set(unknown.filter((u) => !u.endsWith('*')).map(normalizeKey));
  const prefixes = unknown.filter((u) => u.endsWith('*')).map((u) => normalizeKey(u.slice(0, -1)));
  const out = new Set<string>();
  for (const k of keys) {
    if (exact.has(k.norm) || (!given.has(k.norm) && !derived.has(k.norm) && prefixes.some((p) => k.norm.startsWith(p)))) out.add(k.norm);
  }
  return out;
}

const decided = (r: EvaluateResult, what: string): EvaluateResponse => {
  if ('error' in r) throw new Error(`${what} refused: ${JSON.stringify(r.error)}`);
  return r;
};

export interface CheckOptions {
  /** Evaluate the "three-valued" request without its unknown keys (unknown read as absent: the bug this
   * guards against), to show the check refutes it. */
  unknownAsAbsent?: boolean;
}

/** Checks one group; throws on an unsound answer. */
export function checkUnknownGroup(ug: UnknownGroup, stats: UnknownStats, options: CheckOptions = {}): void {
  const keys = policyKeys(ug.group);
  const evaluators = new Map<PolicySet, Evaluator>();
  casesOf(ug.group).forEach((c, i) => {
    const pick = ug.requests[i]!;
    const run = (request: EvaluateRequest): EvaluateResult => {
      if (!c.preset) return evaluate(request, { clock });
      let e = evaluators.get(c.preset);
      if (!e) evaluators.set(c.preset, (e = createEvaluator(c.preset, { clock })));
      return e.evaluate(request);
    };
    stats.requests++;
    const plain = run(c.request);
    if ('error' in plain) {
      stats.skipped++;
      return;
    }
    // A key given in context cannot also be named exactly (400): those names are left out.
    const given = new Set(Object.keys(c.request.context ?? {}).map(normalizeKey));
    const unknown = pick.unknown.filter((u) => u.endsWith('*') || !given.has(normalizeKey(u)));
    if (unknown.length === 0) unknown.push('*');
    const three = decided(run(options.unknownAsAbsent ? c.request : { ...c.request, unknown_context_keys: unknown }), 'three-valued evaluation');
    stats.outcomes[three.reason]++;
    const unknownNow = unknownKeysOf(c.request, unknown, keys);
    const where = (): string => `\nrequest: ${JSON.stringify(c.request)}\nunknown_context_keys: ${JSON.stringify(unknown)}\npolicies: ${JSON.stringify(c.preset ?? { inline: true })}`;
    if (unknownNow.size === 0 && !options.unknownAsAbsent) {
      // Nothing the policies read is unknown: the two-valued answer.
      if (three.decision !== plain.decision || three.reason !== plain.reason) {
        throw new Error(`with no policy key unknown, three-valued ${three.reason} != two-valued ${plain.reason}${where()}`);
      }
      return;
    }
    stats.withUnknown++;
    let allowed = 0;
    let denied = 0;
    for (const values of pick.fillings) {
      const context: Record<string, ContextValue> = { ...(c.request.context ?? {}) };
      keys.forEach((k, j) => {
        if (!unknownNow.has(k.norm)) return;
        // Replace any spelling of the key already there (a derived key named exactly has none in context).
        for (const name of Object.keys(context)) if (normalizeKey(name) === k.norm) delete context[name];
        context[k.spellings[0]!] = values[j]!;
      });
      const filled = decided(run({ ...c.request, context }), 'filled request');
      stats.fillings++;
      if (filled.decision === 'allow') allowed++;
      else denied++;
      const wrong = (why: string): Error =>
        new Error(`${why}${where()}\nfilling: ${JSON.stringify(context)}\nthree-valued: ${JSON.stringify(three.results)}\nfilled: ${JSON.stringify(filled.results)}`);
      if (three.decision === 'allow' && filled.decision !== 'allow') throw wrong(`three-valued allow, but a filling is denied (${filled.reason})`);
      if ((three.reason === 'explicit_deny' || three.reason === 'implicit_deny') && filled.decision !== 'deny') throw wrong(`three-valued ${three.reason}, but a filling is allowed`);
      three.results.forEach((r, k) => {
        const f = filled.results[k]!;
        if (f.action !== r.action || f.resource !== r.resource) throw wrong('results do not line up');
        if (r.decision === 'allow' && f.decision !== 'allow') throw wrong(`result ${k} allowed three-valued, denied filled`);
        if ((r.reason === 'explicit_deny' || r.reason === 'implicit_deny') && f.decision !== 'deny') throw wrong(`result ${k} ${r.reason} three-valued, allowed filled`);
      });
    }
    if (three.reason === 'context_required') {
      if (allowed > 0 && denied > 0) stats.contextRequired.both++;
      else if (denied > 0) stats.contextRequired.onlyDeny++;
      else stats.contextRequired.onlyAllow++;
    }
  });
}

/** Runs `groups` generated groups (seeded); throws on the first unsound answer (fast-check shrinks it). */
/** `onGroup`: called after each group (the fuzz script's progress line). */
export function runUnknownCases(groups: number, seed: number, stats: UnknownStats = emptyUnknownStats(), options: CheckOptions = {}, onGroup?: () => void): UnknownStats {
  fc.assert(
    fc.property(unknownGroup, (ug) => {
      checkUnknownGroup(ug, stats, options);
      onGroup?.();
    }),
    { numRuns: groups, seed },
  );
  return stats;
}
