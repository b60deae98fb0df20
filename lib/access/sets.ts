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
import { PRINCIPAL_KEYS } from '../engine/context.js';
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

/** The principal's effective set, read from the account as `loadEffectiveSet` reads it. */
export function principalSet(account: LoadedAccount, principal: PrincipalRef): PrincipalSet {
  const groups = principal.type === 'user' ? [...(account.users.find((u) => u.id === principal.id)?.groups ?? [])].sort(cmp) : [];
  const kind = principal.type === 'account' ? null : principal.type;
  const own = kind ? account.grants.filter((g) => g.principal.type === kind && g.principal.id === principal.id) : [];
  const viaGroups = groups.flatMap((gid) => account.grants.filter((g) => g.principal.type === 'group' && g.principal.id === gid));
  const loaded: Omit<LoadedPolicies, 'stamp'> = {
    principal: { type: principal.type, id: principal.id, ...(principal.name !== undefined ? { name: principal.name } : {}) },
    groups,
    grants: [...own, ...viaGroups],
    organization: account.organization,
  };
  const set = policySetOfLoaded(account.account_id, loaded);
  return { account_id: account.account_id, principal, groups, loaded, set, key: keyOf(set), assume: assumptionsOf(set) };
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

/** A principal-key mention or a policy variable anywhere in a document (conservative: text search). */
const IDENTITY_DEPENDENT = /g:(user|principal)|\$\{/i;
const PRINCIPAL_TAG = /"(g:PrincipalTag\/[^"\\]{1,128})"/gi;

function documentsOf(set: StoredPolicySet): string[] {
  const text = (d: unknown): string => (typeof d === 'string' ? d : JSON.stringify(d));
  return [...set.policies.map((p) => text(p.document)), ...set.scps.flatMap((l) => l.policies.map((p) => text(p.document)))];
}

function keyOf(set: StoredPolicySet): string {
  const p = set.principal;
  const identity = documentsOf(set).some((d) => IDENTITY_DEPENDENT.test(d));
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
  for (const d of documentsOf(set)) for (const m of d.matchAll(PRINCIPAL_TAG)) context[m[1] as string] = null;
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
