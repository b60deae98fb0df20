/**
 * The principals of a loaded account and their effective policy sets, as the analysis takes them.
 *
 * Each principal's set is derived from the account exactly as the decision path reads it for one principal
 * (`PolicySetSource.loadEffectiveSet`: its own grants, then its groups' grants by group id; the SCP chain of
 * the account's organization path), and turned into the engine's input by the decision path's own conversion
 * (lib/decision/policy-set.ts). Principals whose sets are equal are analysed once: the set's key names its
 * policies (id, version, scope), its SCP chain and the principal facts the decision can depend on. Facts
 * that name the principal (user id and name) are part of the key only when a policy of the set can read
 * them (a condition key derived from the principal, or a policy variable), so a policy attached to many
 * principals is analysed once per distinct effective set, not once per principal.
 *
 * A stored principal's request cannot state the keys IAM fills from the principal, nor g:CurrentTime
 * (lib/engine/request.ts `principalKeyError`): `assumptionsOf` fixes them to what the principal's own
 * identity fills (absent when it fills nothing), so that every answer is about requests the principal can
 * make, and every witness can be re-decided by reference.
 */
import { compileLayer } from '../engine/compile.js';
import { PRINCIPAL_KEYS } from '../engine/context.js';
import { analyzePolicy } from '../validate/validate.js';
import type { LoadedAccount, LoadedPolicies } from '../decision/source.js';
import { policySetOfLoaded, type StoredPolicySet } from '../decision/policy-set.js';
import type { Assume } from '../analysis/types.js';
import type { ContextValue, EvaluateRequest, Principal, ScopedPolicy } from '../types.js';

/** A principal of an account: a user, an agency, or the account itself. */
export interface PrincipalRef {
  type: 'user' | 'agency' | 'account';
  /** The user or agency id; the account id for the account. */
  id: string;
  name?: string;
}

export interface PrincipalSet {
  account_id: string;
  principal: PrincipalRef;
  /** The user's groups (empty for agencies and the account). */
  groups: string[];
  loaded: Omit<LoadedPolicies, 'stamp'>;
  set: StoredPolicySet;
  /**
   * The set as the analysis takes it: a policy granted more than once (through two groups, or with two
   * scopes) is one policy per grant, each with an id of its own (`<policy_id> (<grant_id>)` after the first).
   */
  analysis: StoredPolicySet;
  /** The policy id behind each id of `analysis`. */
  policyIds: ReadonlyMap<string, string>;
  /** Equal for principals whose decisions are the same for every request (see the module comment). */
  key: string;
  /** The facts of the requests this principal can make (principal fields, keys filled from them). */
  assume: Assume;
}

/** Every principal of the account: users (by id), agencies (by id), then the account itself. */
export function principalsOf(account: LoadedAccount): PrincipalRef[] {
  const out: PrincipalRef[] = [];
  for (const u of [...account.users].sort((a, b) => cmp(a.id, b.id))) out.push(named('user', u.id, u.name));
  for (const a of [...account.agencies].sort((x, y) => cmp(x.id, y.id))) out.push(named('agency', a.id, a.name));
  out.push({ type: 'account', id: account.account_id });
  return out;
}

/** The principal of the account named by `type` and `id`, or null when there is none. */
export function findPrincipal(account: LoadedAccount, type: PrincipalRef['type'], id: string | undefined): PrincipalRef | null {
  if (type === 'account') return id === undefined || id === account.account_id ? { type: 'account', id: account.account_id } : null;
  const found = (type === 'user' ? account.users : account.agencies).find((p) => p.id === id);
  return found ? named(type, found.id, found.name) : null;
}

/**
 * An account holding one principal, from the principal's own load (`loadEffectiveSet`: two round trips
 * that read only its part of the account): what what-can needs, without reading every principal.
 */
export function accountOfPrincipal(accountId: string, loaded: LoadedPolicies): LoadedAccount {
  const p = loaded.principal;
  const named = p.name !== undefined ? { id: p.id, name: p.name } : { id: p.id };
  return {
    account_id: accountId,
    stamp: loaded.stamp,
    users: p.type === 'user' ? [{ ...named, groups: [...loaded.groups] }] : [],
    groups: loaded.groups.map((id) => ({ id })),
    agencies: p.type === 'agency' ? [named] : [],
    grants: loaded.grants,
    organization: loaded.organization,
  };
}

/** The principal's effective set, read from the account as `loadEffectiveSet` reads it. */
export function principalSet(account: LoadedAccount, principal: PrincipalRef): PrincipalSet {
  const groups = principal.type === 'user' ? [...(account.users.find((u) => u.id === principal.id)?.groups ?? [])].sort(cmp) : [];
  const kind = principal.type === 'account' ? null : principal.type;
  const byHolder = grantsByHolder(account);
  const own = kind ? (byHolder.get(`${kind}:${principal.id}`) ?? []) : [];
  const viaGroups = groups.flatMap((gid) => byHolder.get(`group:${gid}`) ?? []);
  const loaded: Omit<LoadedPolicies, 'stamp'> = {
    principal: { type: principal.type, id: principal.id, ...(principal.name !== undefined ? { name: principal.name } : {}) },
    groups,
    grants: [...own, ...viaGroups],
    organization: account.organization,
  };
  const set = policySetOfLoaded(account.account_id, loaded);
  const policyIds = new Map<string, string>();
  const analysis: StoredPolicySet = {
    ...set,
    policies: set.policies.map((p) => {
      const id = policyIds.has(p.id) ? `${p.id} (${p.source?.grant_id ?? policyIds.size})` : p.id;
      policyIds.set(id, p.id);
      return id === p.id ? p : { ...p, id };
    }),
  };
  return { account_id: account.account_id, principal, groups, loaded, set, analysis, policyIds, key: keyOf(set), assume: assumptionsOf(set) };
}

/**
 * Whether a document has a statement whose Action (or NotAction) admits the catalog action `actionIndex`:
 * one without can never apply to a request of that action, so leaving it out changes no decision of it.
 * An invalid document is kept (the analysis reports it). Memoised per document and action by the caller.
 */
export function admitsAction(document: unknown, actionIndex: number): boolean {
  const analysis = analyzePolicy(document as string);
  if (!analysis.valid || !analysis.policy) return true;
  const layer = compileLayer('identity', null, [{ id: 'p', policy: analysis.policy }]);
  return (layer.allow[actionIndex]?.length ?? 0) + (layer.deny[actionIndex]?.length ?? 0) > 0;
}

/**
 * The principal's set for the requests of one action: its identity policies that admit the action only
 * (`admitsAction`, memoised in `memo` by document), and the key recomputed, so principals whose sets differ
 * only in policies of other actions share one analysis. Exact for that action's requests.
 */
export function forAction(s: PrincipalSet, actionIndex: number, memo: Map<unknown, boolean>): PrincipalSet {
  const keep = (p: ScopedPolicy): boolean => {
    let hit = memo.get(p.document);
    if (hit === undefined) memo.set(p.document, (hit = admitsAction(p.document, actionIndex)));
    return hit;
  };
  const analysis: StoredPolicySet = { ...s.analysis, policies: s.analysis.policies.filter(keep) };
  if (analysis.policies.length === s.analysis.policies.length) return s;
  return { ...s, analysis, key: keyOf(analysis) };
}

/** The account's grants by holder (`<type>:<id>`), in the order the account lists them; built once per account. */
const holderIndex = new WeakMap<LoadedAccount, Map<string, LoadedAccount['grants']>>();
function grantsByHolder(account: LoadedAccount): Map<string, LoadedAccount['grants']> {
  let index = holderIndex.get(account);
  if (!index) {
    index = new Map();
    for (const g of account.grants) {
      const k = `${g.principal.type}:${g.principal.id}`;
      const list = index.get(k);
      if (list) list.push(g);
      else index.set(k, [g]);
    }
    holderIndex.set(account, index);
  }
  return index;
}

/** The principals' sets grouped by key (first appearance order): one analysis per group. */
export function distinctSets(sets: readonly PrincipalSet[]): PrincipalSet[][] {
  const groups = new Map<string, PrincipalSet[]>();
  for (const s of sets) {
    const g = groups.get(s.key);
    if (g) g.push(s);
    else groups.set(s.key, [s]);
  }
  return [...groups.values()];
}

/**
 * A principal-key mention or a policy variable in a string of a document (conservative). Read on the parsed
 * document's keys and values, never on its text: `\u0067:UserId` or `g:PrincipalTag\/x` are `g:UserId` and
 * `g:PrincipalTag/x` to every JSON reader, the engine's included.
 */
const IDENTITY_DEPENDENT = /g:(user|principal)|\$\{/i;
const PRINCIPAL_TAG_KEY = /^g:PrincipalTag\/[\s\S]/i;
/** Text that is not JSON (never stored: a document is validated on write): the text search, as a fallback. */
const PRINCIPAL_TAG_TEXT = /"(g:PrincipalTag\/[^"\\]{1,128})"/gi;

/** Whether a document of the set can read a fact of the principal (a key derived from it, or a policy variable). */
export function readsPrincipalFacts(set: StoredPolicySet): boolean {
  return documentsOf(set).some((d) => identityUse(d).dependent);
}

function documentsOf(set: StoredPolicySet): unknown[] {
  return [...set.policies.map((p) => p.document), ...set.scps.flatMap((l) => l.policies.map((p) => p.document))];
}

/** What a document says about the principal's identity, read once per document text (a bounded memo). */
interface IdentityUse {
  dependent: boolean;
  tags: string[];
}
const identityUses = new Map<string, IdentityUse>();
function identityUse(document: unknown): IdentityUse {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  let use = identityUses.get(text);
  if (!use) {
    use = readIdentityUse(document, text);
    if (identityUses.size >= 2000) identityUses.clear();
    identityUses.set(text, use);
  }
  return use;
}

/** Every object key and string value of the parsed document: whether one reads the principal, and the principal tags it names. */
function readIdentityUse(document: unknown, text: string): IdentityUse {
  let value: unknown;
  try {
    value = typeof document === 'string' ? JSON.parse(document) : document;
  } catch {
    return { dependent: IDENTITY_DEPENDENT.test(text), tags: [...text.matchAll(PRINCIPAL_TAG_TEXT)].map((m) => m[1] as string) };
  }
  let dependent = false;
  const tags = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (IDENTITY_DEPENDENT.test(v)) dependent = true;
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (IDENTITY_DEPENDENT.test(k)) dependent = true;
        if (PRINCIPAL_TAG_KEY.test(k)) tags.add(k);
        visit(x);
      }
    }
  };
  visit(value);
  return { dependent, tags: [...tags] };
}

function keyOf(set: StoredPolicySet): string {
  const p = set.principal;
  const identity = documentsOf(set).some((d) => identityUse(d).dependent);
  const facts = [p.type, p.account_id, p.org_path ?? '', String(p.management_account ?? ''), identity ? `${p.user_id ?? ''}|${p.user_name ?? ''}|${p.agency ?? ''}` : '*'];
  const policies = set.policies.map((x) => [x.id, x.source?.version ?? '', JSON.stringify(x.scope ?? null)]);
  const scps = set.scps.map((l) => [l.level, ...l.policies.map((x) => `${x.id}@${(x as ScopedPolicy).source?.version ?? ''}`)]);
  return JSON.stringify([facts, policies, scps]);
}

/**
 * The facts of every request a stored principal can make: its stored fields, and each key IAM fills from
 * them fixed to the filled value (absent when nothing is filled: the keys not filled yet, the principal's
 * tags, g:CurrentTime, which is then the time of the analysis).
 */
export function assumptionsOf(set: StoredPolicySet): Assume {
  const p = set.principal;
  const context: Record<string, ContextValue> = {};
  for (const { key, fill } of PRINCIPAL_KEYS) {
    if (key.endsWith('/*')) continue;
    context[key] = fill?.(p) ?? null;
  }
  for (const d of documentsOf(set)) for (const tag of identityUse(d).tags) context[tag] = null;
  context['g:CurrentTime'] = null;
  return { principal: { ...p }, context };
}

/**
 * A witness of the analysis as a by-reference request of the principal: the principal named by its ids
 * (the service fills the rest from the stored identity), the keys it fills removed, nothing inline.
 */
export function byReference(witness: EvaluateRequest, account_id: string, principal: PrincipalRef, assume: Assume): EvaluateRequest {
  const who: Principal = { account_id };
  if (principal.type === 'user') who.user_id = principal.id;
  else if (principal.type === 'agency') who.agency = principal.id;
  const out: EvaluateRequest = { principal: who };
  if (witness.action !== undefined) out.action = witness.action;
  if (witness.resource !== undefined) out.resource = witness.resource;
  if (witness.region !== undefined) out.region = witness.region;
  const fixed = new Set(Object.keys(assume.context ?? {}).map((k) => k.toLowerCase()));
  const context = Object.entries(witness.context ?? {}).filter(([k]) => !fixed.has(k.toLowerCase()));
  if (context.length > 0) out.context = Object.fromEntries(context);
  return out;
}

function named(type: 'user' | 'agency', id: string, name: string | undefined): PrincipalRef {
  return name !== undefined ? { type, id, name } : { type, id };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
