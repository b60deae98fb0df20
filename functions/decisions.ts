/**
 * GET /v1/decisions/{correlation_id}: the stored result of a batch (SQS) evaluation of the caller's own
 * account (functions/batch.ts). Another account's results, unknown and expired ids are all 404.
 */
import { getDecisionResult } from '../store/decisions.js';
import { ok, router } from './shared/router.js';
import { DECISIONS_ROUTES } from './shared/routes.js';

export const handler = router('decisions', DECISIONS_ROUTES, {
  'GET /v1/decisions/{correlation_id}': async ({ caller, params }) => ok(await getDecisionResult(caller.account_id, params.correlation_id)),
});
