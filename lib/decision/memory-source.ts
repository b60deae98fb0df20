/**
 * An in-memory `PolicySetSource`: principals' effective sets held in maps, a change counter per account, and
 * the reads it served counted. For tests, the CLI and the analysis features, which need the decision path
 * without a table.
 */
import { DecisionError } from './account.js';
import type { LoadedPolicies, PolicySetSource, PrincipalSelector } from './source.js';

const keyOf = (accountId: string, p: PrincipalSelector): string => `${accountId}|${p.user_id !== undefined ? `u:${p.user_id}` : p.agency !== undefined ? `a:${p.agency}` : 'account'}`;

export class MemoryPolicySetSource implements PolicySetSource {
  /** Reads served: whole sets loaded, stamps read. */
  readonly reads = { loads: 0, stamps: 0 };
  private readonly sets = new Map<string, Omit<LoadedPolicies, 'stamp'>>();
  private readonly counters = new Map<string, number>();

  /** Stores (or replaces) a principal's set; the account's stamp changes, as a write to the table would. */
  put(accountId: string, principal: PrincipalSelector, set: Omit<LoadedPolicies, 'stamp'>): void {
    this.sets.set(keyOf(accountId, principal), set);
    this.bump(accountId);
  }

  /** A write that can change a decision of the account. */
  bump(accountId: string): void {
    this.counters.set(accountId, (this.counters.get(accountId) ?? 0) + 1);
  }

  async loadEffectiveSet(accountId: string, principal: PrincipalSelector): Promise<LoadedPolicies> {
    this.reads.loads++;
    const set = this.sets.get(keyOf(accountId, principal));
    if (!set) throw new DecisionError('NOT_FOUND', 'No such principal in your account.');
    return { ...set, stamp: this.stampOf(accountId) };
  }

  async currentStamp(accountId: string): Promise<string> {
    this.reads.stamps++;
    return this.stampOf(accountId);
  }

  private stampOf(accountId: string): string {
    return String(this.counters.get(accountId) ?? 0);
  }
}
