/**
 * What can: the summary of the access analysis (every catalog action `always`, `conditional` with the
 * condition, or `never`, by access level) for one stored principal's effective set, by scope: every request
 * of the principal, then each project its project-scoped grants name (requests in that region) and each
 * enterprise project its enterprise-project grants name (requests with that g:EnterpriseProjectId), so a
 * person reads "in cn-north-4 bob can list and read, elsewhere nothing" without reading conditions.
 * The keys IAM fills from the principal are fixed as for who-can (lib/access/sets.ts `assumptionsOf`).
 */
import { summarize } from '../analysis/analyze.js';
import type { Assume, SummaryResult } from '../analysis/types.js';
import { requestError } from '../engine/request.js';
import type { LoadedAccount } from '../decision/source.js';
import type { ErrorResponse } from '../types.js';
import { byReference, findPrincipal, type PrincipalRef, principalSet } from './sets.js';
import { ACCESS_LIMITS } from './limits.js';

export interface WhatCanQuestion {
  principal_type: PrincipalRef['type'];
  /** The user or agency id (the account's own id, or nothing, for the account). */
  principal_id?: string;
}

export interface WhatCanSection {
  /** `all`: every request of the principal; `project`: requests in that region; `enterprise_project`: with that g:EnterpriseProjectId. */
  scope: 'all' | 'project' | 'enterprise_project';
  project?: string;
  enterprise_project_id?: string;
  summary: SummaryResult;
}

export interface WhatCanResult {
  account_id: string;
  principal: PrincipalRef;
  groups: string[];
  stamp: string;
  /** The grants of the effective set, with their scopes and versions. */
  grants: Array<{ grant_id: string; policy_id: string; version: string; holder: { type: string; id: string }; scope: unknown }>;
  sections: WhatCanSection[];
  /** Projects and enterprise projects beyond MAX_SECTIONS, not summarised (ask with who-can for one action). */
  sections_omitted?: number;
  catalog_version: string;
}

/** Sections one answer summarises at most (every request, then projects and enterprise projects by name). */
export const MAX_SECTIONS = ACCESS_LIMITS.whatCanSections;

export function whatCan(account: LoadedAccount, question: WhatCanQuestion): WhatCanResult | ErrorResponse {
  const principal = findPrincipal(account, question.principal_type, question.principal_id);
  // The caller's own input is not echoed: an id of another account's principal names nothing here.
  if (!principal) return requestError('NOT_FOUND', 'No such principal in your account.', { field: 'principal_id' });
  const s = principalSet(account, principal);
  const projects = new Set<string>();
  const enterprise = new Set<string>();
  for (const g of s.loaded.grants) {
    if (g.scope.type === 'project') projects.add(g.scope.project);
    else if (g.scope.type === 'enterprise_project') enterprise.add(g.scope.enterprise_project_id);
  }
  const sections: WhatCanSection[] = [];
  // One summary per section, each bounded by the analysis's limits: at most MAX_SECTIONS of them.
  let omitted = 0;
  const run = (head: Omit<WhatCanSection, 'summary'>, assume: Assume): ErrorResponse | null => {
    if (sections.length >= MAX_SECTIONS) {
      omitted++;
      return null;
    }
    const r = summarize(s.analysis, { assume });
    if ('error' in r) return r;
    // Each witness as who-can gives them: by reference (the principal by its ids; the keys IAM fills from it
    // are the stored ones, so POST /v1/evaluate decides it as stated).
    for (const g of r.groups) for (const a of g.actions) for (const w of a.when ?? []) w.witness = byReference(w.witness, account.account_id, principal, assume);
    sections.push({ ...head, summary: r });
    return null;
  };
  const base = s.assume;
  const failed =
    run({ scope: 'all' }, base) ??
    [...projects].sort().reduce<ErrorResponse | null>((e, project) => e ?? run({ scope: 'project', project }, { ...base, region: project }), null) ??
    [...enterprise]
      .sort()
      .reduce<ErrorResponse | null>((e, id) => e ?? run({ scope: 'enterprise_project', enterprise_project_id: id }, { ...base, context: { ...base.context, 'g:EnterpriseProjectId': id } }), null);
  if (failed) return failed;
  return {
    account_id: account.account_id,
    principal,
    groups: s.groups,
    stamp: account.stamp,
    grants: s.loaded.grants.map((g) => ({ grant_id: g.grant_id, policy_id: g.policy_id, version: g.version, holder: g.principal, scope: g.scope })),
    sections,
    ...(omitted > 0 ? { sections_omitted: omitted } : {}),
    catalog_version: (sections[0] as WhatCanSection).summary.catalog_version,
  };
}
