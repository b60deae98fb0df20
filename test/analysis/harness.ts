/**
 * The soundness and completeness harness of the access analysis (test/analysis-soundness.test.ts and
 * `npm run fuzz:analysis`): random policy-set pairs from the differential generator, the analysis's answer
 * for each, and random requests built from the pair's own constants (patterns with their wildcards filled,
 * condition values and their near neighbours, the scopes' projects), each decided by `evaluate` under both
 * sets. A request allowed by the proposed set and denied by the existing one is a difference:
 *  - soundness: the answer must not be PASS;
 *  - completeness: when the answer is FAIL (and complete), some finding's region must hold the request;
 *  - exactness: every request a finding's region holds must be a difference;
 *  - every witness must be one (evaluate allows it under the proposed set, denies it under the existing).
 * Region membership is read from the finding's description (resources, requirements, principals) with the
 * reference model's globs and conditions (test/reference/), not with the engine.
 */
import fc from 'fast-check';
import catalog from '@ims-authz/catalog';
import { checkNoNewAccess, diff } from '../../lib/analysis/index.js';
import type { AnalysisFinding, AnalysisPolicySet, AnalysisResult, KeyRequirement, PrincipalClass, ValueTerm } from '../../lib/analysis/index.js';
import { createEvaluator, type Evaluator } from '../../lib/index.js';
import type { ContextScalar, ContextValue, EvaluateRequest, JsonValue, Principal, ScopedPolicy, ScpLevelInput } from '../../lib/types.js';
import { conditionHolds, readOperator } from '../reference/conditions.js';
import { identityPolicies, scpChain } from '../reference/generate.js';
import { globMatch } from '../reference/glob.js';
import { normalizeKey } from '../reference/model.js';

// ---------------------------------------------------------------------------------------------------------
// Pairs
// ---------------------------------------------------------------------------------------------------------

export interface Pair {
  existing: AnalysisPolicySet;
  proposed: AnalysisPolicySet;
}

const set = fc.record({ policies: identityPolicies, scps: scpChain });

/**
 * A pair: the proposed set is the existing one with a change (a policy replaced, added or removed, the SCP
 * chain replaced), or an unrelated set.
 */
export const pairArb: fc.Arbitrary<Pair> = fc
  .record({ a: set, b: set, mode: fc.constantFrom('replace', 'replace', 'add', 'remove', 'scps', 'same', 'other'), at: fc.nat() })
  .map(({ a, b, mode, at }) => {
    const existing: AnalysisPolicySet = { policies: a.policies, scps: a.scps };
    const pol = [...a.policies];
    const fresh = b.policies[0] ? { ...b.policies[0], id: `p${pol.length + 1}` } : null;
    switch (mode) {
      case 'replace':
        if (pol.length > 0 && b.policies[0]) pol[at % pol.length] = { ...b.policies[0], id: pol[at % pol.length]!.id };
        return { existing, proposed: { policies: pol, scps: a.scps } };
      case 'add':
        return { existing, proposed: { policies: fresh ? [...pol, fresh] : pol, scps: a.scps } };
      case 'remove':
        if (pol.length > 0) pol.splice(at % pol.length, 1);
        return { existing, proposed: { policies: pol, scps: a.scps } };
      case 'scps':
        return { existing, proposed: { policies: pol, scps: b.scps } };
      case 'same':
        return { existing, proposed: { policies: pol, scps: a.scps } };
      default:
        return { existing, proposed: { policies: b.policies, scps: b.scps } };
    }
  });

// ---------------------------------------------------------------------------------------------------------
// Constants of a pair
// ---------------------------------------------------------------------------------------------------------

interface Constants {
  patterns: string[];
  /** Normalised key -> spelling and values. */
  keys: Map<string, { written: string; values: string[]; operators: Set<string> }>;
  regions: string[];
  enterpriseProjects: string[];
  actions: number[];
}

const DERIVED: Record<string, 'user_id' | 'user_name' | 'account_id' | 'org_path' | 'region'> = {
  'g:userid': 'user_id',
  'g:username': 'user_name',
  'g:principalaccount': 'account_id',
  'g:principalorgpath': 'org_path',
  'g:projectname': 'region',
  'g:requestedregion': 'region',
};

const docOf = (d: unknown): Record<string, JsonValue> => (typeof d === 'string' ? (JSON.parse(d) as Record<string, JsonValue>) : (d as Record<string, JsonValue>));
const list = (v: JsonValue | undefined): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x)));

function constantsOf(pair: Pair): Constants {
  const c: Constants = { patterns: [], keys: new Map(), regions: ['cn-north-4', 'eu-west-0'], enterpriseProjects: ['0', 'ep-1'], actions: [] };
  const names = catalog.actions.map((a) => [a.name, ...a.aliases].map((n) => n.toLowerCase()));
  const policies = (s: AnalysisPolicySet): ScopedPolicy[] => [...(s.policies ?? []), ...(s.scps ?? []).flatMap((l) => l.policies)];
  for (const s of [pair.existing, pair.proposed]) {
    for (const p of policies(s)) {
      if (p.scope?.type === 'project') c.regions.push(p.scope.project);
      if (p.scope?.type === 'enterprise_project') c.enterpriseProjects.push(p.scope.enterprise_project_id);
      const statements = docOf(p.document).Statement;
      if (!Array.isArray(statements)) continue;
      for (const st of statements as Array<Record<string, JsonValue>>) {
        for (const r of [...list(st.Resource), ...list(st.NotResource)]) if (!/^\*+$/.test(r)) c.patterns.push(r);
        for (const a of [...list(st.Action), ...list(st.NotAction)]) {
          const re = new RegExp(
            `^${a
              .toLowerCase()
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
            's',
          );
          names.forEach((ns, i) => {
            if (ns.some((n) => re.test(n))) c.actions.push(i);
          });
        }
        const cond = st.Condition;
        if (cond && typeof cond === 'object' && !Array.isArray(cond)) {
          for (const [op, block] of Object.entries(cond)) {
            if (!block || typeof block !== 'object' || Array.isArray(block)) continue;
            for (const [key, values] of Object.entries(block)) {
              const norm = normalizeKey(key);
              let entry = c.keys.get(norm);
              if (!entry) c.keys.set(norm, (entry = { written: key, values: [], operators: new Set() }));
              entry.values.push(...list(values));
              entry.operators.add(op);
            }
          }
        }
      }
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// Random requests from the constants
// ---------------------------------------------------------------------------------------------------------

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = ['', 'x', '1', 'img-1', 'IMG-1', 'acc-1', 'acc-2', 'cn-north-4', 'eu-west-0', ':', 'a:b', 'image', 'prod-', 'dir/', '-1', '😀'];

/** Variants of a policy value: itself, its case flipped, with a character added or removed, wildcards filled. */
function variants(v: string, r: () => number): string[] {
  const filled = v.replace(/\*/g, () => FRAGMENTS[Math.floor(r() * FRAGMENTS.length)]!).replace(/\?/g, () => 'xX1:é'[Math.floor(r() * 5)]!);
  const out = [v, filled, v.toUpperCase(), v.toLowerCase(), `${filled}x`, `x${filled}`, filled.slice(1), filled.slice(0, -1)];
  const n = Number(v);
  if (v.trim() !== '' && Number.isFinite(n)) out.push(String(n + 1), String(n - 1), String(n + 0.5), String(n - 0.5), `+${v}`, `${v}.0`, `0${v}`);
  const t = Date.parse(v);
  if (/^\d{4}-/.test(v) && Number.isFinite(t)) out.push(new Date(t + 1).toISOString(), new Date(t - 1).toISOString(), new Date(t + 86_400_000).toISOString(), new Date(t - 86_400_000).toISOString());
  const ip = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(\/\d+)?$/.exec(v);
  if (ip) out.push(`${ip[1]}.${ip[2]}.${ip[3]}.${ip[4]}`, `${ip[1]}.${ip[2]}.255.255`, `${Number(ip[1]) + 1}.0.0.0`, `::ffff:${ip[1]}.${ip[2]}.${ip[3]}.9`);
  if (v.includes(':') && /^[0-9a-f:]+(\/\d+)?$/i.test(v)) out.push(v.replace(/\/\d+$/, '').replace(/::$/, '::1'), v.replace(/\/\d+$/, '').replace(/::.*$/, '::ffff:1'));
  return out;
}

const GENERIC: ContextScalar[] = ['', 'x', 'true', 'false', 'TRUE', true, false, 0, 300, -1, 1.5, '3600', '2026-01-01T00:00:00Z', '10.1.2.3', '2001:db8::1', 'not-an-ip'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function urnFrom(c: Constants, r: () => number): string {
  const base = c.patterns.length > 0 && r() < 0.8 ? pick(r, c.patterns) : pick(r, ['ims:cn-north-4:acc-1:image:img-1', 'ims:eu-west-0:acc-2:image:x', 'obs:cn-north-4:acc-1:bucket:b']);
  let u = base
    .replace(/\*/g, () => (r() < 0.5 ? pick(r, FRAGMENTS) : pick(r, c.patterns.length ? c.patterns : FRAGMENTS).replace(/[*?]/g, '')))
    .replace(/\?/g, () => pick(r, ['x', '1', ':', 'I', 'é']));
  u = u.replace(/[*?]/g, 'x');
  if (r() < 0.1) u = u.replace(/^[^:]*/, (s) => s.toUpperCase());
  if (u.startsWith(':')) u = `ims${u}`;
  while ((u.match(/:/g) ?? []).length < 4) u += ':x';
  return u;
}

function valuePool(c: Constants, key: string, r: () => number): ContextScalar[] {
  const entry = c.keys.get(key);
  const own = entry ? entry.values.flatMap((v) => variants(v, r)) : [];
  return [...own, ...own, ...GENERIC];
}

const TYPES: Array<Principal['type']> = ['user', 'agency', 'account', 'service_linked_agency', undefined];

export function randomRequest(c: Constants, r: () => number): EvaluateRequest {
  const actions = c.actions.length > 0 && r() < 0.6 ? c.actions : catalog.actions.map((_, i) => i);
  const a = catalog.actions[pick(r, actions)]!;
  const principal: Principal = {};
  const type = pick(r, TYPES);
  if (type) principal.type = type;
  if (r() < 0.3) principal.management_account = r() < 0.7;
  const req: EvaluateRequest = { principal, action: a.name };
  for (const [key, f] of Object.entries(DERIVED)) {
    if (r() < 0.4) continue;
    if (f === 'region') continue;
    const pool = valuePool(c, key, r).map(String);
    if (pool.length > 0 && r() < 0.7)
      principal[f] = pick(
        r,
        pool.filter((x) => x.length <= 256),
      );
  }
  if (r() < 0.8) {
    const pool = [...c.regions, ...valuePool(c, 'g:requestedregion', r), ...valuePool(c, 'g:projectname', r)].map(String).filter((x) => x.length > 0 && x.length <= 64);
    if (pool.length > 0) req.region = pick(r, pool);
  }
  if (a.resource_types.length > 0) req.resource = urnFrom(c, r);
  const context: Record<string, ContextValue> = {};
  const keys = [...c.keys.entries()].filter(([k]) => !(k in DERIVED));
  if (r() < 0.5 && !c.keys.has('g:enterpriseprojectid')) keys.push(['g:enterpriseprojectid', { written: 'g:EnterpriseProjectId', values: c.enterpriseProjects, operators: new Set() }]);
  for (const [key, entry] of keys) {
    const x = r();
    if (x < 0.3) continue;
    const pool = key === 'g:enterpriseprojectid' ? [...c.enterpriseProjects, ...valuePool(c, key, r)] : valuePool(c, key, r);
    if (x < 0.8) context[entry.written] = pick(r, pool);
    else context[entry.written] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, pool));
  }
  if (Object.keys(context).length > 0) req.context = context;
  return req;
}

// ---------------------------------------------------------------------------------------------------------
// Region membership, read from a finding's description
// ---------------------------------------------------------------------------------------------------------

function principalClassOf(p: Principal | undefined): PrincipalClass {
  const type = p?.type ?? 'user';
  const exempt = p?.management_account === true || type === 'service_linked_agency';
  if (type === 'account') return exempt ? 'management_account' : 'account';
  return exempt ? 'scp_exempt' : 'user_or_agency';
}

const lowerService = (u: string): string => u.replace(/^[^:]*/, (s) => s.toLowerCase());

function valuesFor(req: EvaluateRequest, k: KeyRequirement): ContextScalar[] | undefined {
  if (k.field !== undefined) {
    const v = k.field === 'region' ? req.region : (req.principal as Record<string, unknown> | undefined)?.[k.field.replace('principal.', '')];
    return typeof v === 'string' && v !== '' ? [v] : undefined;
  }
  const norm = normalizeKey(k.key);
  for (const [key, value] of Object.entries(req.context ?? {})) {
    if (normalizeKey(key) !== norm) continue;
    if (value === null) return undefined;
    const xs = Array.isArray(value) ? value : [value];
    return xs.length === 0 ? undefined : xs;
  }
  const filled = filledFromPrincipal(norm, req.principal ?? {});
  return filled === undefined || filled === '' ? undefined : [filled];
}

/**
 * The keys IAM fills from the principal when the request does not state them (docs/semantics.md, "Keys IAM
 * fills"), written again here from the documented forms (lib/engine/context.ts PRINCIPAL_KEYS).
 */
function filledFromPrincipal(norm: string, p: Principal): string | undefined {
  const type = p.type ?? 'user';
  switch (norm) {
    case 'g:principalurn':
      if (!p.account_id) return undefined;
      if (type === 'user') return p.user_name ? `iam::${p.account_id}:user:${p.user_name}` : undefined;
      if (type === 'agency') return p.agency && p.session_name ? `sts::${p.account_id}:assumed-agency:${p.agency}/${p.session_name}` : undefined;
      return undefined;
    case 'g:principalid':
      return type === 'user' ? p.user_id : undefined;
    case 'g:principalorgid':
      return p.org_path ? p.org_path.split('/')[0] : undefined;
    case 'g:principalorgmanagementaccountid':
      return p.management_account === true ? p.account_id : undefined;
    default:
      return undefined;
  }
}

function termHolds(t: ValueTerm, v: ContextScalar): boolean {
  const one = (c: { operator: string; values: string[] }): boolean => conditionHolds(readOperator(c.operator)!, c.values, [v]);
  return t.holds.every(one) && !t.fails.some(one);
}

function requirementHolds(k: KeyRequirement, values: ContextScalar[] | undefined): boolean {
  if (values === undefined) return k.absent !== 'forbidden' && !(k.includes && k.includes.length > 0);
  if (k.absent === 'required') return false;
  if (k.one_of && !values.every((v) => k.one_of!.some((t) => termHolds(t, v)))) return false;
  if (k.includes && !k.includes.every((t) => values.some((v) => termHolds(t, v)))) return false;
  if (k.excludes && values.some((v) => k.excludes!.some((t) => termHolds(t, v)))) return false;
  return true;
}

/** Whether the request lies in the finding's region, read from its description alone. */
/**
 * A request for another account's resource (docs/semantics.md, "Cross-account requests"): denied whatever the
 * policies, so never a difference; regions are stated for requests in the principal's own account
 * (docs/analysis.md), as the engine decides them (`otherAccount` in lib/engine/request.ts, written again here).
 */
function crossAccount(req: EvaluateRequest, withResources: boolean): boolean {
  const account = req.principal?.account_id;
  const urn = req.resource;
  if (!withResources || account === undefined || urn === undefined) return false;
  const parts = urn.split(':');
  return parts.length < 3 || parts[2] !== account;
}

export function regionHolds(f: AnalysisFinding, req: EvaluateRequest): boolean {
  const a = catalog.actions.find((x) => x.name === f.action)!;
  if (crossAccount(req, a.resource_types.length > 0)) return false;
  if (req.action !== f.action && !(catalog.actions.find((x) => x.name === req.action) === a)) return false;
  if (!f.principals.includes(principalClassOf(req.principal))) return false;
  if (a.resource_types.length > 0) {
    const urn = lowerService(req.resource as string);
    const lower = (p: string): string => lowerService(p);
    if (!f.resources.some((t) => t.match.every((p) => globMatch(lower(p), urn)) && !t.except.some((p) => globMatch(lower(p), urn)))) return false;
  }
  return f.condition.all_of.every((k) => requirementHolds(k, valuesFor(req, k)));
}

// ---------------------------------------------------------------------------------------------------------
// One pair
// ---------------------------------------------------------------------------------------------------------

export interface PairOutcome {
  result: AnalysisResult['result'] | 'ERROR';
  violations: string[];
  differences: number;
  requests: number;
  findings: number;
  /** The reasons of an UNKNOWN answer. */
  unknown: string[];
}

function evaluatorOf(s: AnalysisPolicySet): Evaluator {
  return createEvaluator({ policies: s.policies ?? [], scps: (s.scps ?? []) as ScpLevelInput[] });
}

/** Runs the analysis on a pair and checks it against `requests` random requests (seeded by `seed`). */
export function checkPair(pair: Pair, requests: number, seed: number, mode: 'check' | 'diff' = 'check'): PairOutcome {
  const out: PairOutcome = { result: 'ERROR', violations: [], differences: 0, requests: 0, findings: 0, unknown: [] };
  const answer = mode === 'check' ? checkNoNewAccess(pair.existing, pair.proposed) : diff(pair.existing, pair.proposed);
  const e = evaluatorOf(pair.existing);
  const p = evaluatorOf(pair.proposed);
  if ('error' in answer) {
    // Both sets must then be unusable for evaluate too (a policy with errors).
    if (e.error === null && p.error === null) out.violations.push(`analysis refused usable sets: ${answer.error.message}`);
    return out;
  }
  out.result = answer.result;
  out.findings = answer.findings.length;
  if (answer.result === 'UNKNOWN') out.unknown = answer.unknown_reasons.map((u) => `[${u.code}] ${u.message}`);
  const decide = (ev: Evaluator, req: EvaluateRequest): 'allow' | 'deny' | 'error' => {
    const r = ev.evaluate(req);
    return 'error' in r ? 'error' : r.decision;
  };
  for (const f of answer.findings) {
    const [allowing, refusing] = f.kind === 'lost_access' ? [e, p] : [p, e];
    if (decide(allowing, f.witness) !== 'allow' || decide(refusing, f.witness) !== 'deny') out.violations.push(`witness is not a difference: ${JSON.stringify(f.witness)}`);
    if (!regionHolds(f, f.witness)) out.violations.push(`witness outside its own region: ${JSON.stringify(f)}`);
  }
  const complete = answer.result === 'FAIL' && answer.unknown_reasons.length === 0 && !answer.findings_omitted;
  const c = constantsOf(pair);
  const r = rng(seed);
  for (let i = 0; i < requests; i++) {
    const req = randomRequest(c, r);
    const de = decide(e, req);
    const dp = decide(p, req);
    if (de === 'error' || dp === 'error') continue;
    out.requests++;
    const gained = dp === 'allow' && de === 'deny';
    const lost = dp === 'deny' && de === 'allow';
    if (gained || (mode === 'diff' && lost)) {
      out.differences++;
      if (answer.result === 'PASS')
        out.violations.push(`PASS, but evaluate ${gained ? 'allows under proposed and denies under existing' : 'denies under b and allows under a'}: ${JSON.stringify(req)}`);
      const kind = gained ? 'new_access' : 'lost_access';
      if (complete && !answer.findings.some((f) => f.kind === kind && regionHolds(f, req))) out.violations.push(`difference in no finding's region: ${JSON.stringify(req)}`);
    }
    for (const f of answer.findings) {
      if (!regionHolds(f, req)) continue;
      const ok = f.kind === 'new_access' ? gained : lost;
      if (!ok)
        out.violations.push(
          `request in the region of a ${f.kind} finding for ${f.action} is not one: ${JSON.stringify(req)}\nfinding: ${JSON.stringify({ resources: f.resources, condition: f.condition.all_of, principals: f.principals })}`,
        );
    }
  }
  return out;
}
