/**
 * Access analysis over the caller account's stored data (docs/who-can.md): who can perform an action on a
 * resource, and what a principal can do. The account is read once per request through the storage module
 * (two round trips: store/account-reader.ts); the answers are lib/access's, unchanged. Query parameters are
 * checked before any read; a principal of another account is 404 like every other route.
 */
import { whatCan, type WhatCanQuestion } from '../lib/access/what-can.js';
import { whoCan, type WhoCanQuestion, type WhoCanResult } from '../lib/access/who-can.js';
import type { ContextValue, ErrorResponse } from '../lib/types.js';
import { accountOfPrincipal } from '../lib/access/sets.js';
import { loadAccount } from '../store/account-reader.js';
import { loadPrincipalPolicies } from '../store/evaluation-reader.js';
import { getOrganization, managedOrg } from '../store/index.js';
import { HttpError, statusOfEngineError, type Reply } from './shared/http.js';
import type { Caller } from './shared/auth.js';
import { accountsUnder, expiresAfter } from './shared/preview.js';
import { router } from './shared/router.js';
import { ACCESS_ROUTES } from './shared/routes.js';
import { ACCESS_LIMITS } from '../lib/access/limits.js';

function reply<T extends object>(result: T | ErrorResponse): Reply {
  if ('error' in result) throw new HttpError(statusOfEngineError(result.error.code), result.error.code, result.error.message, result.error.details);
  return { status: 200, body: result };
}

/**
 * The time one who-can answer may spend analysing (inside the function's 29 s timeout): the principals not
 * reached by then are `unknown` (WORK_LIMIT). Each analysis is bounded on its own (ANALYSIS_LIMITS).
 */
const ANSWER_BUDGET_MS = ACCESS_LIMITS.answerMs;

const bad = (field: string, message: string): HttpError => new HttpError(400, 'INVALID_REQUEST', message, { field });

/** Only the parameters a route names: a misspelled one is an error, not a silently wider question. */
/** `context`: a JSON object of key -> value (string, number, boolean, list of those, or null for absent). */
function contextParam(text: string | undefined): Record<string, ContextValue> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('context', '"context" must be a JSON object of condition keys to assumed values, e.g. {"g:EnterpriseProjectId":"ep-1"}.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length > 50) {
    throw bad('context', '"context" must be a JSON object (at most 50 keys) of condition keys to assumed values (null: absent).');
  }
  for (const [k, v] of Object.entries(value)) {
    // A condition key names its service (`g:`, `ims:`); anything else (`__proto__`, `constructor`) is not one.
    if (!/^[A-Za-z0-9-]{1,16}:[A-Za-z0-9_.:/<>-]{1,256}$/.test(k))
      throw bad(`context.${k.slice(0, 64)}`, `"${k.slice(0, 64)}" is not a condition key (write service:Key, e.g. g:EnterpriseProjectId).`);
    const scalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
    if (!(v === null || scalar(v) || (Array.isArray(v) && v.length <= 50 && v.every(scalar))))
      throw bad(`context.${k}`, `"${k}": a value is a string, number, boolean, a list of those, or null (absent).`);
  }
  return value as Record<string, ContextValue>;
}

/**
 * `scope=organization`, for a management account: the same question in every member account, each about
 * the resource of that name in its own account (the URN's account segment is replaced: identity policies
 * never reach another account's resource), so the SCPs' effect shows across the organization.
 */
async function acrossOrganization(caller: Caller, question: WhoCanQuestion): Promise<WhoCanOrganization | ErrorResponse> {
  const orgId = await managedOrg(caller.account_id);
  if (!orgId) throw new HttpError(404, 'NOT_FOUND', 'This account manages no organization: scope=organization is for its management account.');
  const root = (await getOrganization(caller.account_id, orgId)).root_id;
  const accounts = await accountsUnder(caller, orgId, root, { code: 'ORGANIZATION_TOO_LARGE', narrower: 'ask each member account (scope=account) instead' });
  const expired = expiresAfter(ANSWER_BUDGET_MS);
  const out: WhoCanOrganization = { scope: 'organization', org_id: orgId, accounts: [] };
  for (const account of accounts) {
    const parts = (question.resource ?? '*').split(':');
    if (parts.length >= 5) parts[2] = account.account_id;
    const r = whoCan(account, { ...question, resource: parts.join(':') }, { expired });
    if ('error' in r) return r;
    out.accounts.push(r);
  }
  return out;
}

interface WhoCanOrganization {
  scope: 'organization';
  org_id: string;
  /** One answer per member account, about the resource of that name in the account. */
  accounts: WhoCanResult[];
}

export const handler = router('access', ACCESS_ROUTES, {
  'GET /v1/access/who-can': async ({ caller, query }) => {
    if (query.scope !== undefined && query.scope !== 'account' && query.scope !== 'organization') throw bad('scope', '"scope" must be account (the default) or organization.');
    if (!query.action) throw bad('action', '"action" is required: one IMS action, e.g. ims:images:deleteImage.');
    const question: WhoCanQuestion = { action: query.action };
    if (query.resource !== undefined) question.resource = query.resource;
    // `region`: a region name, `none` (requests without a region) or `any` (every region); default: the resource's.
    if (query.region !== undefined) question.region = query.region === 'none' ? null : query.region === 'any' ? '*' : query.region;
    const context = contextParam(query.context);
    if (context) question.context = context;
    if (query.scope === 'organization') return reply(await acrossOrganization(caller, question));
    const expired = expiresAfter(ANSWER_BUDGET_MS);
    return reply(whoCan(await loadAccount(caller.account_id), question, { expired }));
  },
  'GET /v1/access/what-can': async ({ caller, query }) => {
    const type = query.principal_type as WhatCanQuestion['principal_type'] | undefined;
    if (type !== 'user' && type !== 'agency' && type !== 'account') throw bad('principal_type', '"principal_type" must be user, agency or account.');
    if (type !== 'account' && !query.principal_id) throw bad('principal_id', `"principal_id" names the ${type}.`);
    const q: WhatCanQuestion = query.principal_id !== undefined ? { principal_type: type, principal_id: query.principal_id } : { principal_type: type };
    // Only the principal's part of the account (the decision path's load); another account's id names nothing.
    if (type === 'account' && q.principal_id !== undefined && q.principal_id !== caller.account_id) throw new HttpError(404, 'NOT_FOUND', 'No such principal in your account.');
    const selector = type === 'user' ? { user_id: q.principal_id as string } : type === 'agency' ? { agency: q.principal_id as string } : {};
    return reply(whatCan(accountOfPrincipal(caller.account_id, await loadPrincipalPolicies(caller.account_id, selector)), q));
  },
});
