/**
 * Access analysis over HTTP (docs/analysis.md): the four questions of lib/analysis on inline policy sets,
 * their answers unchanged. Bodies are checked against their schemas (lib/schema/analysis.ts) before any
 * work; the analysis bounds its own work (ANALYSIS_LIMITS: beyond them the answer is UNKNOWN, never a
 * guess), and a set the analysis refuses (an invalid policy, an unknown action) is a 4xx with its reasons.
 */
import { checkAccessNotGranted, checkNoNewAccess, diff, summarize, type AnalysisOptions } from '../lib/analysis/index.js';
import { schemaChecker } from '../lib/schema/check.js';
import { ANALYSIS_REQUEST_SCHEMAS } from '../lib/schema/analysis.js';
import { REQUEST_SCHEMAS } from '../lib/schema/requests.js';
import { RESOURCE_SCHEMAS } from '../lib/schema/resources.js';
import type { ErrorResponse } from '../lib/types.js';
import { HttpError, statusOfEngineError, type Reply } from './shared/http.js';
import { router } from './shared/router.js';
import { ANALYSIS_ROUTES } from './shared/routes.js';

/** The analysis bodies and the schemas they refer to (a set's policies, SCP levels, principal, grant scopes). */
const bodies = schemaChecker({ ...REQUEST_SCHEMAS, GrantScope: RESOURCE_SCHEMAS.GrantScope, ...ANALYSIS_REQUEST_SCHEMAS });

function reply<T extends object>(result: T | ErrorResponse): Reply {
  if ('error' in result) throw new HttpError(statusOfEngineError(result.error.code), result.error.code, result.error.message, result.error.details);
  return { status: 200, body: result };
}

const options = (assume: AnalysisOptions['assume'] | undefined): AnalysisOptions => (assume ? { assume } : {});

export const handler = router(
  'analysis',
  ANALYSIS_ROUTES,
  {
    'POST /v1/checks/no-new-access': async ({ body }) => reply(checkNoNewAccess(body.existing, body.proposed, options(body.assume))),
    'POST /v1/checks/access-not-granted': async ({ body }) =>
      reply(checkAccessNotGranted(body.set, { ...(body.actions ? { actions: body.actions } : {}), ...(body.resources ? { resources: body.resources } : {}) }, options(body.assume))),
    'POST /v1/diff': async ({ body }) => reply(diff(body.a, body.b, options(body.assume))),
    'POST /v1/summary': async ({ body }) => reply(summarize(body.set, options(body.assume))),
  },
  bodies,
);
