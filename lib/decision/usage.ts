/**
 * The usage port of the decision path: who was allowed what, and when. Unused access (lib/access/unused.ts,
 * docs/unused-access.md) lists the granted actions a principal has not been allowed within N days, so the
 * decision path reports every action a by-reference decision allowed. Inline what-ifs and explanations are
 * not usage: they are never reported (lib/decision/account.ts calls the recorder from one place).
 *
 * `onAllowed` returns nothing and must not throw or wait: the adapter (store/usage-writer.ts) keeps the write
 * behind the answer, at most one per principal, action and hour, and swallows (counts) its failures.
 */
import type { EvaluateResponse, Principal } from '../types.js';

/** The principal whose use is recorded: a user, an agency, or the account itself, of `account_id`. */
export interface UsagePrincipal {
  account_id: string;
  type: 'user' | 'agency' | 'account';
  /** The user or agency id; the account id for the account. */
  id: string;
}

export interface UsageRecorder {
  /** A by-reference decision allowed `action` (its canonical name) to `principal` at `at` (epoch ms). */
  onAllowed(principal: UsagePrincipal, action: string, at: number): void;
}

/** The principal of a stored request (the stored facts, lib/decision/policy-set.ts), as the recorder names it. */
export function usagePrincipalOf(p: Principal): UsagePrincipal | null {
  if (p.account_id === undefined) return null;
  if (p.user_id !== undefined) return { account_id: p.account_id, type: 'user', id: p.user_id };
  if (p.agency !== undefined) return { account_id: p.account_id, type: 'agency', id: p.agency };
  return { account_id: p.account_id, type: 'account', id: p.account_id };
}

/**
 * Reports each action the decision allowed (each result whose decision is `allow`, also when another result
 * of the same request denied: the principal needed that action, so keeping it is the safe side). Never throws.
 */
export function reportAllowed(recorder: UsageRecorder | undefined, principal: Principal, result: EvaluateResponse, at: number): void {
  if (!recorder) return;
  try {
    const who = usagePrincipalOf(principal);
    if (!who) return;
    const seen = new Set<string>();
    for (const r of result.results) {
      if (r.decision !== 'allow' || seen.has(r.action)) continue;
      seen.add(r.action);
      recorder.onAllowed(who, r.action, at);
    }
  } catch {
    // A recorder that throws is a bug of the adapter; the decision stands.
  }
}
