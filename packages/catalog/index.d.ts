/**
 * Types of the compiled IMS action catalog (`@ims-authz/catalog`).
 *
 * The source lives in `packages/catalog/source/ims.json` (readable, hand-kept from the Huawei documents);
 * `scripts/build-catalog.ts` compiles it into `dist/index.js`, the module every function loads from the
 * shared Lambda layer. Everything here is data: no functions, so the module loads in well under 2 ms.
 */

declare namespace ImsCatalog {
  export type AccessLevel = 'list' | 'read' | 'write' | 'permission_management' | 'tagging';

  /** How a catalog entry came to be: a Table 1 action, a name seen only as a dependency, or another service's action. */
  export type ActionKind = 'action' | 'dependency_only' | 'foreign';

  export type ConditionValueType = 'string' | 'numeric' | 'date' | 'boolean' | 'ip_address';

  export interface CatalogResourceRef {
    /** Resource type name, e.g. `image`. */
    type: string;
    /** `true` when the table marks it with `*` (a statement naming a resource for this action must use this type). */
    required: boolean;
  }

  export interface CatalogAction {
    /** Canonical name as the seed writes it, e.g. `ims:images:copyInRegion`. */
    name: string;
    kind: ActionKind;
    description: string;
    /** `null` for dependency-only and foreign entries (the seed gives none). */
    access_level: AccessLevel | null;
    /** Empty when the table says `-` (no resource-level permission: statements must use `*`). */
    resource_types: CatalogResourceRef[];
    /** Condition keys as the table writes them, e.g. `g:RequestTag/<tag-key>`. */
    condition_keys: string[];
    /** Legacy (policy version 1.1) names that also designate this action. */
    aliases: string[];
    /** Grantable through enterprise-project authorization (the row lists `g:EnterpriseProjectId`). */
    enterprise_project: boolean;
  }

  /** A requirement that applies only in some calls of an API; the request's `api.hints` selects it. */
  export type DependencyCondition = { hint: 'quick_import_disk'; value: 'data' | 'system'; note: string } | { hint: 'enterprise_project'; value: true; note: string };

  export interface CatalogDependency {
    /** Action name as the seed writes it (may be an alias, a dependency-only or a foreign name). */
    action: string;
    /** `null`: always required. Otherwise required only when the hint says so (and when the hint is absent). */
    condition: DependencyCondition | null;
  }

  export interface CatalogApi {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
    /** Path template, e.g. `/v1/cloudimages/{image_id}/copy`. */
    path: string;
    /** The action Table 2 lists this API under as its own action. */
    action: string;
    dependencies: CatalogDependency[];
  }

  export interface CatalogResourceType {
    name: string;
    service: string;
    /** e.g. `ims:<region>:<account-id>:image:<image-id>` */
    urn_template: string;
  }

  export interface CatalogConditionKey {
    /** Key as documented; tag keys end in `/<tag-key>` (e.g. `g:ResourceTag/<tag-key>`). */
    key: string;
    scope: 'service' | 'global';
    type: ConditionValueType;
    multi_valued: boolean;
    description: string;
    /** `documented`: read in a Huawei document; `unverified`: from third-party material only (validator warns). */
    status: 'documented' | 'unverified';
  }

  export interface CatalogNote {
    code: string;
    message: string;
    /** Names (actions, keys, API paths) the note is about. */
    subjects: string[];
  }

  /** One compiled API route: literal segments, or `null` where a `{param}` matches one segment. */
  export interface CompiledRoute {
    method: string;
    segments: Array<string | null>;
    /** Parameter name for each `null` segment, in order. */
    params: string[];
    /** Index into `apis`. */
    api: number;
  }

  export interface CompiledCatalog {
    /** Content hash of everything below; every response of the service echoes it. */
    version: string;
    service: string;
    source: { title: string; updated: string };
    actions: CatalogAction[];
    apis: CatalogApi[];
    resource_types: CatalogResourceType[];
    condition_keys: CatalogConditionKey[];
    notes: CatalogNote[];
    /** Lower-cased canonical name or alias -> indices into `actions` (an alias may name several). */
    action_index: Record<string, number[]>;
    /** Lower-cased condition key (tag keys as `g:resourcetag/`) -> index into `condition_keys`. */
    condition_key_index: Record<string, number>;
    /** Routes sorted most specific first (more literal segments win). */
    routes: CompiledRoute[];
    /** For each API, the indices of the actions it requires unconditionally and per hint. */
    api_requirements: Array<{ always: number[]; conditional: Array<{ action: number; condition: DependencyCondition }> }>;
  }
}

declare const ImsCatalog: ImsCatalog.CompiledCatalog;
export = ImsCatalog;
