/** Huawei-style decision sentences (the formats of Huawei IAM's FAQ "How Do I Handle Access Denied by Identity Policies?"). */
import type { ActionResult, Principal } from '../types.js';

export function principalLabel(p: Principal): string {
  const acct = p.account_id ?? '<account>';
  switch (p.type ?? 'user') {
    case 'account':
      return `iam::${acct}:root`;
    case 'agency':
      return `sts::${acct}:assumed-agency:${p.agency ?? p.user_name ?? '<agency>'}`;
    case 'service_linked_agency':
      return `sts::${acct}:assumed-agency:${p.agency ?? '<service-linked-agency>'} (service-linked)`;
    default:
      return `iam::${acct}:user:${p.user_name ?? p.user_id ?? '<user>'}`;
  }
}

function policyType(r: ActionResult): string {
  return r.denied_by?.layer === 'scp' ? 'service control' : 'identity-based';
}

/** The sentence for the deciding result (see decidingResult). */
export function decisionMessage(principal: Principal, deciding: ActionResult | undefined, results: readonly ActionResult[]): string {
  const who = `User: ${principalLabel(principal)}`;
  if (!deciding) return `${who}: nothing to evaluate.`;
  if (deciding.decision === 'allow') {
    const actions = [...new Set(results.map((r) => r.action))];
    const resources = [...new Set(results.map((r) => r.resource))];
    return `${who} is authorized to perform: ${actions.join(', ')} on resource: ${resources.join(', ')}.`;
  }
  const head = `${who} is not authorized to perform: ${deciding.action} on resource: ${deciding.resource}`;
  if (deciding.reason === 'explicit_deny') {
    const where = deciding.denied_by?.layer === 'scp' ? ` (SCP level ${deciding.denied_by.level})` : '';
    return `${head} with an explicit deny in the ${policyType(deciding)} policy ${deciding.denied_by?.policy_id}${where}.`;
  }
  if (deciding.reason === 'context_required') {
    return `${head}: the answer depends on condition keys the request marks unknown (${(deciding.context_required_keys ?? []).join(', ')}); give them in "context" to decide.`;
  }
  const where = deciding.denied_by?.layer === 'scp' ? ` at SCP level ${deciding.denied_by.level}` : '';
  return `${head} because no ${policyType(deciding)} policy${where} allows the ${deciding.action} action.`;
}
