/**
 * Unused access over HTTP (docs/unused-access.md): `GET /v1/access/unused` lists each user's and agency's
 * granted actions that no by-reference decision allowed within `days`, and `GET /v1/access/suggest` proposes a
 * least-privilege 5.0 policy for one principal, with its proof (lib/access/unused.ts). The caller's own
 * account only: another account's principal is not found (404), like everywhere else.
 *
 * Reads (no dynamodb-toolbox): for every principal, the whole account (two round trips,
 * store/account-reader.ts; each principal's set derived as a by-reference decision loads it); for one, its
 * set as a by-reference decision loads it; and the usage records (one Query, all pages), in parallel.
 */
import { grantedActions, suggestPolicy, unusedAccess, type PrincipalGrants } from '../lib/access/unused.js';
import { type PrincipalRef, principalSet, principalsOf } from '../lib/access/sets.js';
import { policySetOfLoaded, type StoredPolicySet } from '../lib/decision/policy-set.js';
import type { PrincipalSelector } from '../lib/decision/source.js';
import { loadAccount } from '../store/account-reader.js';
import { dynamoPolicySetSource } from '../store/evaluation-reader.js';
import { ID_PATTERN } from '../store/keys.js';
import { listUsage, type UsagePrincipalItem } from '../store/usage-reader.js';
import { ACCESS_LIMITS } from '../lib/access/limits.js';
import { MAX_USAGE_DAYS } from '../store/usage.js';
import { HttpError } from './shared/http.js';
import { ok, router } from './shared/router.js';
import { ACCESS_USAGE_ROUTES } from './shared/routes.js';

export const DEFAULT_DAYS = ACCESS_LIMITS.unusedDefaultDays;
/** Principals one unused-access answer covers (beyond: `principals_omitted`; ask per principal). */
export const MAX_PRINCIPALS = ACCESS_LIMITS.unusedPrincipals;
function daysOf(query: Record<string, string>): number {
  if (query.days === undefined) return DEFAULT_DAYS;
  const n = /^[0-9]{1,3}$/.test(query.days) ? Number(query.days) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_USAGE_DAYS) throw new HttpError(400, 'INVALID_REQUEST', `"days" must be an integer from 1 to ${MAX_USAGE_DAYS}.`, { field: 'days' });
  return n;
}

/** `principal_type` (user, agency) and `principal_id` together, or neither (null; `required`: a 400). */
function principalOf(query: Record<string, string>, required: boolean): UsagePrincipalItem | null {
  if (!required && query.principal_type === undefined && query.principal_id === undefined) return null;
  const type = query.principal_type;
  const id = query.principal_id;
  if ((type !== 'user' && type !== 'agency') || id === undefined || !ID_PATTERN.test(id)) {
    throw new HttpError(400, 'INVALID_REQUEST', 'Name the principal with both principal_type (user or agency) and principal_id.', { field: 'principal_type' });
  }
  return { type, id };
}

const selector = (p: UsagePrincipalItem): PrincipalSelector => (p.type === 'user' ? { user_id: p.id } : { agency: p.id });

/** The principal's effective set as a by-reference decision loads it (NOT_FOUND: no such principal in the account). */
async function setOf(accountId: string, p: UsagePrincipalItem): Promise<{ principal: PrincipalRef; set: StoredPolicySet }> {
  const loaded = await dynamoPolicySetSource.loadEffectiveSet(accountId, selector(p));
  const name = loaded.principal.name ?? p.name;
  return { principal: name !== undefined ? { type: p.type, id: p.id, name } : { type: p.type, id: p.id }, set: policySetOfLoaded(accountId, loaded) };
}

export const handler = router('access-usage', ACCESS_USAGE_ROUTES, {
  'GET /v1/access/unused': async ({ caller, query }) => {
    const days = daysOf(query);
    const one = principalOf(query, false);
    const now = Date.now();
    if (one) {
      const [{ principal, set }, records] = await Promise.all([setOf(caller.account_id, one), listUsage(caller.account_id, one, now)]);
      return ok(unusedAccess([{ principal, granted: grantedActions(set) }], records, days, now));
    }
    // Every user and agency: the whole account in two round trips (store/account-reader.ts), each principal's
    // set derived as the decision path reads it.
    const [account, records] = await Promise.all([loadAccount(caller.account_id), listUsage(caller.account_id, undefined, now)]);
    const all = principalsOf(account).filter((p) => p.type !== 'account');
    const listed = all.slice(0, MAX_PRINCIPALS);
    const loaded: PrincipalGrants[] = listed.map((p) => ({ principal: p, granted: grantedActions(principalSet(account, p).set) }));
    const report = unusedAccess(loaded, records, days, now);
    return ok(all.length > listed.length ? { ...report, principals_omitted: all.length - listed.length } : report);
  },
  'GET /v1/access/suggest': async ({ caller, query }) => {
    const days = daysOf(query);
    const p = principalOf(query, true) as UsagePrincipalItem;
    const now = Date.now();
    const [{ principal, set }, records] = await Promise.all([setOf(caller.account_id, p), listUsage(caller.account_id, p, now)]);
    const report = unusedAccess([{ principal, granted: grantedActions(set) }], records, days, now);
    const mine = report.principals[0] as (typeof report.principals)[number];
    const suggestion = suggestPolicy(
      set,
      mine.used.map((u) => u.action),
    );
    return ok({ days, since: report.since, as_of: report.as_of, principal, used: mine.used, unused: mine.unused, ...suggestion });
  },
});
