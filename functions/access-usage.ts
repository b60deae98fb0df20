/**
 * Unused access over HTTP (docs/unused-access.md): `GET /v1/access/unused` lists each user's and agency's
 * granted actions that no by-reference decision allowed within `days`, and `GET /v1/access/suggest` proposes a
 * least-privilege 5.0 policy for one principal, with its proof (lib/access/unused.ts). The caller's own
 * account only: another account's principal is not found (404), like everywhere else.
 *
 * Reads (store/usage.ts and the evaluation's reader, no dynamodb-toolbox): the principals (one Query per
 * kind), each principal's effective set (as a by-reference decision loads it), and the usage records (one
 * Query, all pages).
 */
import { grantedActions, suggestPolicy, unusedAccess, type PrincipalGrants } from '../lib/access/unused.js';
import type { PrincipalRef } from '../lib/access/sets.js';
import { policySetOfLoaded, type StoredPolicySet } from '../lib/decision/policy-set.js';
import type { PrincipalSelector } from '../lib/decision/source.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { StoreError } from '../store/errors.js';
import { dynamoPolicySetSource } from '../store/evaluation-reader.js';
import { ID_PATTERN } from '../store/keys.js';
import { listPrincipalsForUsage, listUsage, type UsagePrincipalItem } from '../store/usage-reader.js';
import { MAX_USAGE_DAYS } from '../store/usage.js';
import { HttpError } from './shared/http.js';
import { ok, router } from './shared/router.js';
import { ACCESS_USAGE_ROUTES } from './shared/routes.js';

export const DEFAULT_DAYS = 90;
/** Principals one unused-access answer covers (beyond: `principals_omitted`; ask per principal). */
export const MAX_PRINCIPALS = 1000;
/** Effective sets loaded at once. */
const LOADS = 8;

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
    const all = one ? [one] : await listPrincipalsForUsage(caller.account_id);
    const listed = all.slice(0, MAX_PRINCIPALS);
    const [loaded, records] = await Promise.all([
      mapLimit(listed, LOADS, async (p): Promise<PrincipalGrants | null> => {
        try {
          const { principal, set } = await setOf(caller.account_id, p);
          return { principal, granted: grantedActions(set) };
        } catch (err) {
          // Deleted since it was listed: left out. The one asked for is a 404.
          if (!one && err instanceof StoreError && err.code === 'NOT_FOUND') return null;
          throw err;
        }
      }),
      listUsage(caller.account_id, one ?? undefined, now),
    ]);
    const report = unusedAccess(
      loaded.filter((x): x is PrincipalGrants => x !== null),
      records,
      days,
      now,
    );
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
