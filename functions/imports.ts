/**
 * POST /v1/imports: Huawei IAM and Organizations API outputs into the caller's account (docs/imports.md). A thin
 * adapter: the plan and its validation are lib/import/huawei, the writes functions/shared/import-apply.ts over the
 * store's public functions. Order: build and validate the plan (any error: 422 IMPORT_REFUSED with the findings per
 * file, nothing written), check the scopes an organization or SCPs need (403), read what a write could trip on
 * (422, nothing written), then write.
 */
import type { JsonValue } from '../lib/types.js';
import { buildPlan, type ImportFile, type PlanResult } from '../lib/import/huawei/plan.js';
import { applyPlan, preflight } from './shared/import-apply.js';
import { HttpError } from './shared/http.js';
import { ok, router } from './shared/router.js';
import { IMPORTS_ROUTES } from './shared/routes.js';
import { scpGuard } from './shared/scp-guard.js';

/** What every reply says about the input: per file, its API, items and findings; the actions outside IMS. */
function inputReport(r: PlanResult): Record<string, unknown> {
  const skipped = r.files.flatMap((f) => f.findings.filter((x) => x.code === 'GRANT_SKIPPED'));
  return {
    files: r.files,
    foreign_actions: r.foreign_actions,
    unknown_ims_actions: r.unknown_ims_actions,
    skipped_grants: skipped.map((x) => ({ file: x.file, policy_id: x.policy_id, message: x.message })),
  };
}

export const handler = router('imports', IMPORTS_ROUTES, {
  'POST /v1/imports': async ({ caller, body }) => {
    const result = buildPlan(body.files as ImportFile[]);
    if (result.refused) {
      const errors = result.files.reduce((n, f) => n + f.findings.filter((x) => x.severity === 'error').length, 0);
      throw new HttpError(422, 'IMPORT_REFUSED', `The import was refused and nothing was written: ${errors} error finding(s); see details.files.`, json(inputReport(result)));
    }
    const { plan } = result;
    if ((plan.nodes.length > 0 || plan.policies.some((p) => p.type === 'scp')) && !caller.scopes.has('org:write')) {
      throw new HttpError(403, 'FORBIDDEN', 'The input has an organization or SCPs: importing them needs the "org:write" scope too.', { required_scopes: ['policies:write', 'org:write'] });
    }
    const blocking = await preflight(caller.account_id, plan);
    if (blocking.length > 0) {
      throw new HttpError(
        422,
        'IMPORT_REFUSED',
        `The import was refused and nothing was written: ${blocking.length} conflict(s) with what the account has; see details.conflicts.`,
        json({ ...inputReport(result), conflicts: blocking }),
      );
    }
    if (body.dry_run) return ok({ dry_run: true, ...inputReport(result), plan: counts(result) });
    const applied = await applyPlan(caller.account_id, plan, { guard: scpGuard(caller) });
    return ok({ dry_run: false, ...inputReport(result), plan: counts(result), ...applied });
  },
});

/** Plain data as the error details' JSON type (it is JSON: strings, numbers, arrays, objects). */
const json = (v: unknown): JsonValue => v as JsonValue;

function counts(r: PlanResult): Record<string, number> {
  const p = r.plan;
  return {
    policies: p.policies.length,
    versions: p.policies.reduce((n, x) => n + x.versions.length, 0),
    principals: p.principals.length,
    memberships: p.memberships.length,
    grants: p.grants.length,
    nodes: p.nodes.length,
    scp_attachments: p.scp_attachments.length,
  };
}
