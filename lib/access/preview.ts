/**
 * Previews of writes (docs/previews.md): what a write would change in the decisions of every principal it
 * can affect, before it is made. A write is described as an `AccountChange` (a pure transformation of the
 * loaded account: the stored data as the decision path reads it); each affected principal's effective set
 * before and after is diffed by the access analysis (gained and lost access, each region with a witness).
 *
 * Principals whose (before, after) sets are equal pairs are analysed once (lib/access/sets.ts keys): a
 * policy attached to 500 principals through 3 groups costs a handful of analyses, not 500. A principal
 * whose set the change leaves as it was is not analysed at all. Witnesses are by-reference requests of the
 * principal: `POST /v1/evaluate` decides a gained one deny before the write and allow after it (lost: the
 * reverse).
 */
import { diff } from '../analysis/analyze.js';
import type { AnalysisFinding, UnknownReason } from '../analysis/types.js';
import type { LoadedAccount, LoadedGrant, LoadedLevel, LoadedScp } from '../decision/source.js';
import type { ErrorResponse, EvaluateRequest } from '../types.js';
import { decidingStatement, type DecidingStatement } from './decided-by.js';
import { byReference, type PrincipalRef, type PrincipalSet, principalSet, principalsOf, readsPrincipalFacts } from './sets.js';

/** A write, as what it changes in the stored data a decision reads. */
export type AccountChange =
  /** A policy's default version becomes `document` (a new default version, or a switch to another one). */
  | { kind: 'policy_default'; owner_account: string; policy_id: string; type: 'identity' | 'scp'; version: string; document: string }
  | { kind: 'grant_added'; grant: LoadedGrant }
  | { kind: 'grant_removed'; grant_id: string }
  | { kind: 'member_added'; user_id: string; group_id: string }
  | { kind: 'member_removed'; user_id: string; group_id: string }
  | { kind: 'scp_attached'; org_id: string; node_id: string; policy: LoadedScp }
  | { kind: 'scp_detached'; org_id: string; node_id: string; policy_id: string }
  /** The account moves in its organization: its path becomes `levels` (root first, the account last). */
  | { kind: 'path_changed'; org_id: string; org_path: string; levels: LoadedLevel[] };

/** The account as it would be after the change (a new object; the input is not modified). */
export function applyChange(account: LoadedAccount, change: AccountChange): LoadedAccount {
  switch (change.kind) {
    case 'policy_default': {
      if (change.type === 'identity') {
        if (change.owner_account !== account.account_id) return account;
        return { ...account, grants: account.grants.map((g) => (g.policy_id === change.policy_id ? { ...g, version: change.version, document: change.document } : g)) };
      }
      const org = account.organization;
      if (!org || org.management_account_id !== change.owner_account) return account;
      const levels = org.levels.map((l) => ({ ...l, policies: l.policies.map((p) => (p.policy_id === change.policy_id ? { ...p, version: change.version, document: change.document } : p)) }));
      return { ...account, organization: { ...org, levels } };
    }
    case 'grant_added':
      return { ...account, grants: [...account.grants, change.grant] };
    case 'grant_removed':
      return { ...account, grants: account.grants.filter((g) => g.grant_id !== change.grant_id) };
    case 'member_added':
    case 'member_removed': {
      const users = account.users.map((u) => {
        if (u.id !== change.user_id) return u;
        const groups = u.groups.filter((g) => g !== change.group_id);
        if (change.kind === 'member_added') groups.push(change.group_id);
        return { ...u, groups: groups.sort() };
      });
      return { ...account, users };
    }
    case 'scp_attached':
    case 'scp_detached': {
      const org = account.organization;
      if (!org || org.org_id !== change.org_id || !org.scp_enabled) return account;
      const levels = org.levels.map((l) => {
        if (l.node_id !== change.node_id) return l;
        const rest = l.policies.filter((p) => p.policy_id !== (change.kind === 'scp_attached' ? change.policy.policy_id : change.policy_id));
        if (change.kind === 'scp_attached') rest.push(change.policy);
        // The reader lists a node's SCPs by policy id.
        return { ...l, policies: rest.sort((a, b) => (a.policy_id < b.policy_id ? -1 : a.policy_id > b.policy_id ? 1 : 0)) };
      });
      return { ...account, organization: { ...org, levels } };
    }
    case 'path_changed': {
      const org = account.organization;
      if (!org || org.org_id !== change.org_id) return account;
      return { ...account, organization: { ...org, org_path: change.org_path, levels: change.levels } };
    }
  }
}

export interface PreviewFinding {
  kind: 'new_access' | 'lost_access';
  action: string;
  resources: AnalysisFinding['resources'];
  condition: AnalysisFinding['condition'];
  /** What allows it (on the side where it is allowed), with the grants and versions. */
  granted_by: DecidingStatement[];
  /** A by-reference request: denied before and allowed after the write (`lost_access`: the reverse). */
  witness: EvaluateRequest;
}

export interface PrincipalDelta {
  account_id: string;
  principal: PrincipalRef;
  groups: string[];
  gained: PreviewFinding[];
  lost: PreviewFinding[];
  /** Regions left out beyond the analysis's limit on findings. */
  omitted?: number;
  unknown_reasons?: UnknownReason[];
}

export interface PreviewResult {
  /** `CHANGES` when some principal gains or loses access, `NO_CHANGE` when none does, `UNKNOWN` when part could not be decided (never read as NO_CHANGE). */
  result: 'CHANGES' | 'NO_CHANGE' | 'UNKNOWN';
  /** Principals whose access changes (or could not be decided), by account then principal. */
  principals: PrincipalDelta[];
  counts: { accounts: number; principals: number; principals_changed: number; gained: number; lost: number; sets_analysed: number };
  /** The stamps of the accounts the preview read (a write made since invalidates it). */
  stamps: Record<string, string>;
}

/** The change's effect on every principal of `accounts` (each as loaded now). */
export function previewChange(accounts: readonly LoadedAccount[], change: AccountChange, budget: CompareBudget = {}): (PreviewResult & { skipped?: string }) | ErrorResponse {
  return compareAccounts(
    accounts.map((account) => ({ before: account, after: applyChange(account, change) })),
    budget,
  );
}

/** Bounds on the work of a comparison: beyond them it stops and says so (`skipped`), never a partial NO_CHANGE. */
export interface CompareBudget {
  /** Most distinct (before, after) set pairs analysed. */
  maxAnalyses?: number;
  /** Checked before each analysis: true when the time is up. */
  expired?: () => boolean;
}

/**
 * The access each principal of each account gains and loses from `before` to `after` (the same account in
 * two states). A write's delta is computed this way after the write: `after` read from the table, `before`
 * the inverse change applied to it. `skipped` when the budget ran out first.
 */
export function compareAccounts(pairs: ReadonlyArray<{ before: LoadedAccount; after: LoadedAccount }>, budget: CompareBudget = {}): (PreviewResult & { skipped?: string }) | ErrorResponse {
  const out: PrincipalDelta[] = [];
  const counts = { accounts: pairs.length, principals: 0, principals_changed: 0, gained: 0, lost: 0, sets_analysed: 0 };
  const stamps: Record<string, string> = {};
  const memo = new Map<string, ReturnType<typeof diff>>();
  let unknown = false;
  for (const { before: account, after } of pairs) {
    stamps[account.account_id] = account.stamp;
    for (const p of principalsOf(account)) {
      counts.principals++;
      const before = principalSet(account, p);
      const next = principalSet(after, p);
      if (before.key === next.key) continue;
      const pairKey = `${before.key}\n${next.key}`;
      let answer = memo.get(pairKey);
      if (!answer) {
        if ((budget.maxAnalyses !== undefined && counts.sets_analysed >= budget.maxAnalyses) || budget.expired?.()) {
          return { ...noChange(), result: 'UNKNOWN', counts, stamps, skipped: `the change needs more than ${counts.sets_analysed} analyses within the request's budget` };
        }
        answer = diffSets(before, next);
        memo.set(pairKey, answer);
        counts.sets_analysed++;
      }
      if ('error' in answer) return answer;
      const delta: PrincipalDelta = { account_id: account.account_id, principal: p, groups: next.groups, gained: [], lost: [] };
      for (const f of answer.findings) {
        const side = f.kind === 'new_access' ? next : before;
        const item: PreviewFinding = {
          kind: f.kind === 'new_access' ? 'new_access' : 'lost_access',
          action: f.action,
          resources: f.resources,
          condition: f.condition,
          granted_by: f.granted_by.map((ref) => decidingStatement(side, ref)),
          witness: byReference(f.witness, account.account_id, p, before.assume),
        };
        (f.kind === 'new_access' ? delta.gained : delta.lost).push(item);
      }
      if (answer.findings_omitted) delta.omitted = answer.findings_omitted;
      if (answer.unknown_reasons.length > 0 || answer.result === 'UNKNOWN') {
        delta.unknown_reasons = answer.unknown_reasons;
        unknown = true;
      }
      if (delta.gained.length + delta.lost.length === 0 && !delta.unknown_reasons) continue;
      counts.principals_changed++;
      counts.gained += delta.gained.length;
      counts.lost += delta.lost.length;
      out.push(delta);
    }
  }
  return { result: unknown ? 'UNKNOWN' : out.length > 0 ? 'CHANGES' : 'NO_CHANGE', principals: out, counts, stamps };
}

/**
 * The diff of a principal's two sets. When the principal's own facts change (a move changes its organization
 * path), the analysis compares the sets under one set of facts: exact when no policy of either set reads a
 * fact of the principal (then the facts decide nothing but the SCP chain, which is in the sets); otherwise
 * UNKNOWN, never a guess.
 */
function diffSets(before: PrincipalSet, next: PrincipalSet): ReturnType<typeof diff> {
  if (JSON.stringify(before.analysis.principal) === JSON.stringify(next.analysis.principal)) return diff(before.analysis, next.analysis, { assume: before.assume });
  if (readsPrincipalFacts(before.analysis) || readsPrincipalFacts(next.analysis)) {
    return {
      result: 'UNKNOWN',
      findings: [],
      unknown_reasons: [
        {
          code: 'UNDECIDED_VALUES',
          message: "the principal's organization path changes and a policy of its set reads the principal's facts (a g:Principal* or g:User* key, or a policy variable): not compared exactly",
        },
      ],
      catalog_version: '',
      stats: { actions: 0, groups: 0, outcome_regions: 0, engine_decisions: 0, diagram_nodes: 0, automaton_steps: 0 },
    };
  }
  return diff(before.analysis, { ...next.analysis, principal: before.analysis.principal }, { assume: before.assume });
}

/** The answer for a write that changes no decision (e.g. a version that does not become the default). */
export function noChange(): PreviewResult {
  return { result: 'NO_CHANGE', principals: [], counts: { accounts: 0, principals: 0, principals_changed: 0, gained: 0, lost: 0, sets_analysed: 0 }, stamps: {} };
}

/** A short account of a delta for a write's answer: the counts and the first findings. */
export interface AccessDeltaSummary {
  result: PreviewResult['result'];
  principals_changed: number;
  gained: number;
  lost: number;
  /** The first findings (at most 5): who, gained or lost, which action, when. */
  first: Array<{ account_id: string; principal: PrincipalRef; kind: 'new_access' | 'lost_access'; action: string; condition: string }>;
}

export function summarizeDelta(r: PreviewResult): AccessDeltaSummary {
  const first: AccessDeltaSummary['first'] = [];
  for (const d of r.principals) {
    for (const f of [...d.gained, ...d.lost]) {
      if (first.length >= 5) break;
      first.push({ account_id: d.account_id, principal: d.principal, kind: f.kind, action: f.action, condition: f.condition.text });
    }
  }
  return { result: r.result, principals_changed: r.counts.principals_changed, gained: r.counts.gained, lost: r.counts.lost, first };
}
