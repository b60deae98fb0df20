/**
 * Public shapes of the access analysis (docs/analysis.md): its inputs (policy sets and assumptions), its
 * answer (result, findings with witnesses, reasons for UNKNOWN) and the summary. JSON field names are
 * snake_case like the rest of the API; the CLI and HTTP adapters return these objects as they are.
 */
import type { ContextValue, EvaluateRequest, GrantScope, InlinePolicy, Layer, Principal, ScopedPolicy, ScpLevelInput, Span } from '../types.js';

/**
 * A policy set: identity policies and an SCP chain (outermost level first), and optionally the facts of
 * the requests it is meant for (the evaluate request's `principal`, `region`, `context`), which narrow the
 * space like `assume` does. A single document is a set of one (see `policySetOf`).
 */
export interface AnalysisPolicySet {
  policies?: ScopedPolicy[];
  scps?: ScpLevelInput[];
  principal?: Principal;
  region?: string;
  context?: Record<string, ContextValue>;
}

/**
 * Facts that narrow the requests searched: principal fields (type, management account, account, user,
 * organization path), the region (`null`: requests without a region), context values (`null`: absent).
 * Everything not fixed here ranges over every value a request may carry.
 */
export interface Assume {
  principal?: Principal;
  region?: string | null;
  context?: Record<string, ContextValue>;
}

/** Bounds on the analysis's work; beyond one, the part concerned is UNKNOWN (never a guess). */
export interface AnalysisLimits {
  /** Automaton steps of every search (the classes of each value, each witness URN) together: a budget for the whole answer. */
  automatonSteps: number;
  /** Decision-diagram nodes of every group's diagram together (a budget for the whole answer). */
  diagramNodes: number;
  /** Distinct combinations of layer outcomes per group of actions. */
  outcomeRegions: number;
  /** Findings reported (each a region with a witness); beyond it the answer says how many were left out. */
  findings: number;
}

export interface AnalysisOptions {
  assume?: Assume;
  limits?: Partial<AnalysisLimits>;
}

export type AnalysisResultKind = 'PASS' | 'FAIL' | 'UNKNOWN';
export type FindingKind = 'new_access' | 'access_granted' | 'lost_access' | 'access_denied';

/**
 * Which principals a region concerns. The engine treats principals in four ways: users and agencies (SCPs
 * apply, an identity Allow is needed), the account itself (SCPs apply, no identity Allow needed),
 * service-linked agencies and users/agencies of the management account (no SCPs, an Allow needed), the
 * management account itself (neither).
 */
export type PrincipalClass = 'user_or_agency' | 'account' | 'scp_exempt' | 'management_account';

/**
 * A set of resources: the URNs that match every pattern of `match` (none: any URN) and no pattern of
 * `except`. `["*"]` alone stands for actions without a resource type (requested on `*`).
 */
export interface ResourceTerm {
  match: string[];
  except: string[];
}

/** A condition of a policy, as written (the same operator, key and values count once). */
export interface ConditionRef {
  operator: string;
  key: string;
  values: string[];
  /** The comparison a grant scope makes (project or enterprise project), read as a condition. */
  scope?: true;
}

/**
 * Values of one key (or one request field) described by which conditions they satisfy: a value of the
 * term satisfies each condition of `holds` and none of `fails` (each condition read on that one value).
 */
export interface ValueTerm {
  holds: ConditionRef[];
  fails: ConditionRef[];
}

/**
 * What a region requires of one context key or request field (all parts together):
 * `absent`: `required` (the request does not carry it), `forbidden` (it carries it), `allowed` (either; the
 * other parts then describe the values when present). A single-valued field (`field` names it:
 * `principal.user_name`, `region`) has `one_of`: its value satisfies one of the terms. A context key may
 * carry several values: `includes` (for each term, at least one value of that term) and `excludes` (no
 * value of any of these terms).
 */
export interface KeyRequirement {
  key: string;
  field?: string;
  absent: 'required' | 'allowed' | 'forbidden';
  one_of?: ValueTerm[];
  includes?: ValueTerm[];
  excludes?: ValueTerm[];
  /** Readable form. */
  text: string;
}

export interface RegionCondition {
  /** Readable form, e.g. `g:ResourceTag/env has a value matching StringMatch prod*`; `none` when unconditional. */
  text: string;
  /** Every requirement (AND); empty when unconditional. */
  all_of: KeyRequirement[];
}

/** A statement of a policy set, with its source position when the document was given as text. */
export interface StatementRef {
  layer: Layer;
  /** SCP level id; null for the identity layer. */
  level: string | null;
  policy_id: string;
  statement: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** JSON Pointer of the statement in its document. */
  path: string;
  span?: Span;
}

/** Why the refusing set denies the region: Deny statements that apply in it, layers with no Allow in it. */
export interface Refusal {
  /** At most 20, those that deny the witness first; `denied_by_truncated` when more may apply. */
  denied_by: StatementRef[];
  denied_by_truncated?: true;
  /** Layers (`identity`, or an SCP level) none of whose Allow statements applies anywhere in the region. */
  no_allow_in: Array<{ layer: Layer; level: string | null }>;
}

export interface AnalysisFinding {
  kind: FindingKind;
  /** Canonical catalog action name. */
  action: string;
  /** The region's resources (union of terms). */
  resources: ResourceTerm[];
  condition: RegionCondition;
  principals: PrincipalClass[];
  /**
   * Identity-layer Allow statements of the allowing set that apply somewhere in the region, in document
   * order: at most 20, those that allow the witness first; `granted_by_truncated` when more may apply.
   */
  granted_by: StatementRef[];
  granted_by_truncated?: true;
  /** The refusing set's side (absent for `access_granted`). */
  refused_by?: Refusal;
  /**
   * A request of the region: `evaluate` with the allowing set's policies allows it; with the other set's, denies it
   * (`access_denied`: the one set denies it).
   */
  witness: EvaluateRequest;
}

export interface UnknownReason {
  code: 'WORK_LIMIT' | 'UNDECIDED_VALUES' | 'INTERNAL_MISMATCH' | 'OUTSIDE_REQUEST_LIMITS';
  message: string;
  action?: string;
  /** The statement concerned, when there is one. */
  statement?: StatementRef;
  key?: string;
}

export interface AnalysisResult {
  result: AnalysisResultKind;
  findings: AnalysisFinding[];
  unknown_reasons: UnknownReason[];
  catalog_version: string;
  /** Findings left out beyond the limit (their regions exist; the answer is still exact about the result). */
  findings_omitted?: number;
  /** Work done, for benchmarks and limits tuning. */
  stats: AnalysisStats;
}

export interface AnalysisStats {
  actions: number;
  /** Groups of actions decided together (same statements, same kind). */
  groups: number;
  /** Combinations of layer outcomes decided by the engine. */
  outcome_regions: number;
  engine_decisions: number;
  diagram_nodes: number;
  automaton_steps: number;
}

// ---------------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------------

export type SummaryAccess = 'always' | 'conditional' | 'never' | 'unknown';
export type SummaryGroup = 'list' | 'read' | 'write' | 'permission_management' | 'tagging' | 'other';

export interface SummaryAction {
  action: string;
  access: SummaryAccess;
  /** For `conditional`: the allowed regions (one per alternative), each with a witness. */
  when?: Array<{ resources: ResourceTerm[]; condition: RegionCondition; principals: PrincipalClass[]; granted_by: StatementRef[]; witness: EvaluateRequest }>;
  /** For `conditional`: the alternatives in words. */
  text?: string;
}

export interface SummaryResult {
  /** Actions by access level, in catalog order within each. */
  groups: Array<{ access_level: SummaryGroup; actions: SummaryAction[] }>;
  /** The principals the summary is for (by default: users and agencies, not of the management account). */
  principals: PrincipalClass[];
  unknown_reasons: UnknownReason[];
  catalog_version: string;
  stats: AnalysisStats;
}

/** Re-exported for adapters that build sets from stored data. */
export type { GrantScope, InlinePolicy, ScopedPolicy, ScpLevelInput };
