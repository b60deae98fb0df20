/**
 * Public request and response shapes of ims-authz: one definition for the library, the CLI, the HTTP
 * functions and the event triggers. All JSON field names are snake_case; policy documents keep Huawei's
 * PascalCase element names.
 *
 * Request bodies are not written here: they are derived from their JSON Schemas (lib/schema/, the ones the
 * engine and the functions validate with) at compile time by json-schema-to-ts, so the schema is the one
 * definition and the type follows it (nothing of this reaches a bundle). The responses stay written out
 * (they say more than their schemas: traces, stored-policy sources); a compile-time check below holds each
 * to its schema.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Schemas } from './schema/schemas.js';

// ---------------------------------------------------------------------------------------------------------
// Policy documents (as written by users; the parser accepts anything and reports findings)
// ---------------------------------------------------------------------------------------------------------

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

/** A policy document as JSON (5.0 identity policy, 1.1 fine-grained policy, or 5.0 SCP). */
export type PolicyDocument = { [key: string]: JsonValue };

export type PolicyType = 'identity' | 'scp';

/** SCP syntax revisions seen in Huawei Organizations' "SCP Syntax" page (2024, 2025-07, 2025-12); the default is the newest. */
export type ScpRevision = '2024' | '2025-07' | '2025-12';

// ---------------------------------------------------------------------------------------------------------
// Types from the schemas
// ---------------------------------------------------------------------------------------------------------

/** The schemas' `#/components/schemas/<Name>` references resolve in this root. */
type SchemaRoot = { readonly components: { readonly schemas: Schemas } };
/**
 * A schema that is the PolicyDocument schema (by reference or inline) types as the hand-written document
 * shape: its schema says only "an object or a string", which json-schema-to-ts reads as `{[k]: unknown}`.
 */
type SchemaTypeOptions = { deserialize: [{ pattern: Schemas['PolicyDocument']; output: PolicyDocument | string }] };

/**
 * Splits an alternative whose `type` admits several values (`{ type: 'global' | 'all_projects' }`) into one
 * alternative per value, so that testing `type` narrows a union as it would a hand-written one.
 */
type ByType<T> = T extends { type: infer K extends string } ? { [V in K]: { [F in keyof T]: F extends 'type' ? V : T[F] } }[K] : T;

/** The TypeScript type of the values a named schema accepts (lib/schema/), derived at compile time. */
export type SchemaValue<N extends keyof Schemas> = Schemas[N] & SchemaRoot extends infer S extends JSONSchema ? FromSchema<S, SchemaTypeOptions> : never;
/** Every schema's `SchemaValue`, by name: generic code indexes this (`SchemaValues[N]`), which the compiler resolves one name at a time. */
export type SchemaValues = { [N in keyof Schemas]: SchemaValue<N> };

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

export type Severity = 'error' | 'security_warning' | 'warning' | 'suggestion';

export interface Position {
  /** 1-based line. */
  line: number;
  /** 0-based column, in UTF-16 code units (as Access Analyzer). */
  column: number;
  /** 0-based offset into the text, in UTF-16 code units. */
  offset: number;
}

/** Start inclusive, end exclusive. */
export interface Span {
  start: Position;
  end: Position;
}

export interface Finding {
  /** Stable, UPPER_SNAKE (see lib/validate/codes.ts). */
  code: string;
  severity: Severity;
  message: string;
  /** JSON Pointer into the document, e.g. `/Statement/0/Action/1` (`` for the whole document). */
  path: string;
  /** Present when the document was given as text. */
  span?: Span;
  /** "Did you mean" candidates from the catalog, best first. */
  suggestions?: string[];
}

export interface ValidateOptions {
  type?: PolicyType;
  /** SCP syntax revision to check against (default `2025-12`, the newest: Deny-only custom SCPs). */
  scp_revision?: ScpRevision;
}

export interface ValidateResponse {
  valid: boolean;
  findings: Finding[];
  catalog_version: string;
}

/** HTTP/event body of the validate function: the document or its JSON text (text keeps its spans), type, SCP revision. */
export type ValidateRequest = SchemaValue<'ValidateRequest'>;

// ---------------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------------

/**
 * Who is asking: `type` (default `user`), `account_id`, `user_id`, `user_name`, `agency` (the agency name, for
 * `type: "agency"`), `org_path` (`<org-id>/<root-id>/(<ou-id>/)*<account-id>`), `management_account` (the
 * organization's management account is not restricted by SCPs).
 */
export type Principal = SchemaValue<'Principal'>;
export type PrincipalType = NonNullable<Principal['type']>;

/** A value of the request context: a scalar, a list of scalars, or null. */
export type ContextValue = NonNullable<EvaluateRequest['context']>[string];
export type ContextScalar = Exclude<ContextValue, null | readonly unknown[]>;

/** A policy given in the request: its id and the document, or its JSON text (text gives source spans in explain). */
export type InlinePolicy = SchemaValue<'InlinePolicy'>;

/**
 * Where a granted policy takes effect (Huawei IAM authorization scopes): everywhere (`global`,
 * `all_projects`), in one region project, or in one enterprise project (only for actions that support
 * enterprise projects, and only for requests in that enterprise project).
 */
export type GrantScope = ByType<SchemaValue<'GrantScope'>>;

/** How a stored policy came into a decision: its version and the grant that attached it. */
export interface PolicySource {
  version: string;
  grant_id?: string;
  principal?: { type: 'user' | 'group' | 'agency'; id: string };
  scope?: GrantScope;
}

/** A policy of a policy set, with the scope and origin of a stored grant (library and stored model). */
export interface ScopedPolicy extends InlinePolicy {
  scope?: GrantScope;
  source?: PolicySource;
}

/** One level of the SCP chain: the root, OU or account id (outermost first in `scps`) and its SCPs. */
export type ScpLevelInput = SchemaValue<'ScpLevel'>;

/**
 * `quick_import_disk`: quick import of a data disk or system disk image; `enterprise_project`: the caller is
 * an enterprise-project user / the call migrates an enterprise project.
 */
export type ApiHints = NonNullable<ApiCall['hints']>;

export type ApiCall = SchemaValue<'ApiCall'>;

/**
 * Exactly one of `action`, `actions` (a batch; wildcards are expanded over the catalog), `api`; at most one
 * of `resource` (a URN, e.g. `ims:cn-north-4:acc-1:image:abc`; omit for actions with no resource type) and
 * `resources`; `policies`: identity policies (5.0 or 1.1); `scps`: the SCP chain, outermost level first;
 * `unknown_context_keys`: keys whose value the caller does not know (docs/semantics.md, "Unknown context keys"):
 * the request is allowed only if it is allowed whatever their values; `max_staleness_ms` (by reference only, at
 * most 30,000): within it, a warm function answers from its cached policy set without reading the account's
 * change stamp (no table call); absent or 0, the stamp is read on every request (docs/storage.md).
 */
export type EvaluateRequest = SchemaValue<'EvaluateRequest'>;

export type Decision = 'allow' | 'deny';
/**
 * `context_required`: with `unknown_context_keys`, the answer depends on their values (a Deny may apply, or
 * a required layer's Allow may not): denied, with the keys that would decide it in `context_required_keys`.
 */
export type Reason = 'allowed' | 'explicit_deny' | 'implicit_deny' | 'context_required';
export type Layer = 'identity' | 'scp';

/** What denied a request: the explicit Deny statement, or the layer (and SCP level) that lacked an Allow. */
export interface DeniedBy {
  layer: Layer;
  /** SCP level id, `null` for the identity layer. */
  level: string | null;
  /** `null` for an implicit deny. */
  policy_id: string | null;
  /** Statement index in its policy; `null` for an implicit deny. */
  statement: number | null;
  sid: string | null;
}

export interface MatchedStatement {
  layer: Layer;
  level: string | null;
  policy_id: string;
  statement: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** Stored policies: the version evaluated and the grant that attached it. */
  version?: string;
  grant_id?: string;
}

export interface ActionResult {
  action: string;
  /** The resource evaluated: a URN, or `*` for actions without a resource type. */
  resource: string;
  decision: Decision;
  reason: Reason;
  denied_by: DeniedBy | null;
  matched: MatchedStatement[];
  /** In `api` mode: why this action is required (`api` = the API's own action). */
  required_by?: 'api' | 'dependency';
  /** For `context_required`: the unknown keys the answer depends on, as written in the policies, sorted. */
  context_required_keys?: string[];
  /** Keys of `context` (as written) the action does not carry: ignored for it (docs/semantics.md, "Keys an action does not carry"). */
  ignored_context_keys?: string[];
}

export interface ApiResolution {
  method: string;
  path: string;
  /** The catalog template the path matched, e.g. `/v1/cloudimages/{image_id}/copy`. */
  template: string;
  params: Record<string, string>;
  action: string;
  /** Every action the call needs (the API's own first), after applying hints. */
  required_actions: string[];
  /** Conditional requirements that were applied because their hint was absent (fail closed). */
  assumed: string[];
}

export interface EvaluateResponse {
  decision: Decision;
  reason: Reason;
  denied_by: DeniedBy | null;
  results: ActionResult[];
  /** Condition keys a relevant statement referenced that the request lacked: more context may change the answer. */
  missing_context_keys: string[];
  /**
   * Only when the request gave `unknown_context_keys`: for a `context_required` answer, the unknown keys it
   * depends on (over every result), as written in the policies, sorted; otherwise empty.
   */
  context_required_keys?: string[];
  /** Keys of `context` some action of the request does not carry (ignored for those actions), as written, sorted. */
  ignored_context_keys: string[];
  /** The time of evaluation, ISO 8601 UTC: g:CurrentTime unless the request gives it. */
  current_time: string;
  /** Huawei-style sentence (lib/engine/message.ts). */
  message: string;
  catalog_version: string;
  decision_id: string;
  /** In `api` mode: how the call was resolved. */
  api?: ApiResolution;
  /**
   * Things the caller should know: the request's own (e.g. a resource omitted for an action that has a
   * resource type), then what validate warns about its inline policies (docs/semantics.md, "Warnings").
   */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Explain
// ---------------------------------------------------------------------------------------------------------

export interface ConditionTrace {
  /** Operator as written, e.g. `ForAnyValue:StringEqualsIfExists`. */
  operator: string;
  key: string;
  policy_values: string[];
  /** `null` when the request lacks the key (or its value is unknown). */
  request_values: string[] | null;
  missing: boolean;
  /** The key is unknown (`unknown_context_keys`). */
  unknown?: true;
  /** The action does not carry the key: absent for it, whatever the request gives (docs/semantics.md, "Keys an action does not carry"). */
  not_carried?: true;
  /** `unknown`: the result depends on the value of an unknown key. */
  result: boolean | 'unknown';
}

export interface StatementTrace {
  statement: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** JSON Pointer of the statement in its document. */
  path: string;
  /** When the document was given as text. */
  span?: Span;
  action_matched: boolean;
  /** The pattern that decided the action match (for NotAction: the one that excluded it). */
  action_pattern: string | null;
  resource_matched: boolean;
  resource_pattern: string | null;
  conditions: ConditionTrace[];
  /** All true: true; one false: false; otherwise `unknown`. */
  conditions_matched: boolean | 'unknown';
  /** For a policy granted with a project or enterprise-project scope: whether the scope covers the request
   * (`unknown` when it depends on an unknown `g:EnterpriseProjectId`). */
  scope_matched?: boolean | 'unknown';
  /** scope && action && resource && conditions, for sure. */
  applies: boolean;
  /** It does not apply for sure but may, depending on unknown keys (nothing it needs is false). */
  may_apply?: true;
  /** Resource and conditions were not evaluated: the action does not match, or (an Allow) an earlier Allow of
   * the same layer already applies. Reported as not matched. */
  not_evaluated?: true;
}

export interface PolicyTrace {
  policy_id: string;
  /** For stored policies: the version evaluated and the grant that brought the policy in. */
  source?: PolicySource;
  statements: StatementTrace[];
}

export interface LayerTrace {
  layer: Layer;
  level: string | null;
  /** `allow`: an Allow applies and no Deny; `deny`: a Deny applies; `no_match`: nothing applies (implicit deny
   * for SCP levels and for a non-account identity layer); `skipped`: not evaluated (exempt principal);
   * `unknown`: no Deny applies for sure, but one may, or no Allow applies for sure but one may. */
  outcome: 'allow' | 'deny' | 'no_match' | 'skipped' | 'unknown';
  note?: string;
  policies: PolicyTrace[];
}

export interface ResultTrace {
  action: string;
  resource: string;
  decision: Decision;
  reason: Reason;
  layers: LayerTrace[];
}

export interface ExplainResponse extends EvaluateResponse {
  trace: ResultTrace[];
  /** A readable rendering of the decision. */
  text: string;
}

// ---------------------------------------------------------------------------------------------------------
// Errors (CLI, HTTP and events share the shape)
// ---------------------------------------------------------------------------------------------------------

export type ErrorCode = 'INVALID_JSON' | 'INVALID_REQUEST' | 'INVALID_POLICY' | 'UNKNOWN_ACTION' | 'UNKNOWN_API' | 'INVALID_RESOURCE' | 'INPUT_TOO_LARGE' | 'REQUEST_TOO_COMPLEX' | 'UNUSABLE_INPUT';

export interface ErrorBody {
  code: ErrorCode | string;
  message: string;
  details?: JsonValue;
}

export interface ErrorResponse {
  error: ErrorBody;
}

export type EvaluateResult = EvaluateResponse | ErrorResponse;
export type ExplainResult = ExplainResponse | ErrorResponse;

export function isErrorResponse(value: unknown): value is ErrorResponse {
  return typeof value === 'object' && value !== null && 'error' in value;
}

// ---------------------------------------------------------------------------------------------------------
// The written responses keep to their schemas (compile time)
// ---------------------------------------------------------------------------------------------------------

/** A schema's type without the index signatures of its open objects (the written types name their extra fields). */
type Known<T> = T extends readonly (infer E)[] ? Known<E>[] : T extends object ? { [K in keyof T as string extends K ? never : K]: Known<T[K]> } : T;
type Conforms<T, N extends keyof Schemas> = [T] extends [Known<SchemaValues[N]>] ? true : false;
type Assert<T extends true> = T;

/**
 * Every value of a written response type has what its schema requires, of the schema's types: a field
 * renamed, dropped or retyped on one side only fails the typecheck.
 */
export type ResponsesConform = [
  Assert<Conforms<ValidateResponse, 'ValidateResponse'>>,
  Assert<Conforms<EvaluateResponse, 'EvaluateResponse'>>,
  Assert<Conforms<ExplainResponse, 'ExplainResponse'>>,
  Assert<Conforms<ErrorResponse, 'Error'>>,
];
