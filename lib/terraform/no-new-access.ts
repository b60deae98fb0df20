/**
 * `ims-authz check terraform --no-new-access`: given each planned policy document with its prior text
 * (lib/terraform/plan.ts `changes`), the access analysis (lib/analysis, `checkNoNewAccess`) says which IMS
 * access a change grants that the prior document did not, with a witness request for each (docs/terraform.md).
 * A new identity policy is compared with no policy; a new SCP can only take access away (SCPs beside
 * FullAccess), so it grants nothing new. An answer the analysis cannot give exactly (UNKNOWN) is reported as
 * a finding with action `*` and its reasons: never a pass.
 */
import { checkNoNewAccess, policySetOf } from '../analysis/index.js';
import type { PolicyType } from '../types.js';
import type { DocumentChange } from './plan.js';

/** A request the planned document allows and the prior one did not. */
export interface NewAccessWitness {
  address: string;
  type: PolicyType;
  action: string;
  resource?: string;
  context?: Record<string, unknown>;
}

export type NewAccessAnalysis = (changes: readonly DocumentChange[]) => NewAccessWitness[];

export const NO_NEW_ACCESS: NewAccessAnalysis | undefined = (changes) => {
  const out: NewAccessWitness[] = [];
  for (const c of changes) {
    if (c.before === c.after || (c.before === null && c.type === 'scp')) continue;
    const proposed = policySetOf(c.after, { type: c.type, id: c.address });
    const existing = c.before === null ? { policies: [] } : policySetOf(c.before, { type: c.type, id: c.address });
    const r = 'error' in proposed || 'error' in existing ? null : checkNoNewAccess(existing, proposed);
    if (r === null || 'error' in r) {
      out.push({ address: c.address, type: c.type, action: '*', context: { unknown_reasons: [r && 'error' in r ? r.error.message : 'the document could not be read'] } });
      continue;
    }
    for (const f of r.findings) {
      const w: NewAccessWitness = { address: c.address, type: c.type, action: f.witness.action ?? f.action };
      if (f.witness.resource !== undefined) w.resource = f.witness.resource;
      if (f.witness.context !== undefined) w.context = f.witness.context as Record<string, unknown>;
      out.push(w);
    }
    if (r.result === 'UNKNOWN') out.push({ address: c.address, type: c.type, action: '*', context: { unknown_reasons: r.unknown_reasons.map((u) => u.message) } });
  }
  return out;
};
