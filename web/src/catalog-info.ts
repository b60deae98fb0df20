/**
 * What the page shows of the catalog: actions grouped by access level, the APIs with their hints, the URN
 * template of the resource type, the condition keys an action carries with their types. Read from the
 * engine's catalog (lib/), so the page and the service always agree.
 */
import { catalog, conditionKeyInfo } from '../../lib/catalog/catalog.js';
import type { CatalogAction, CatalogApi, CatalogConditionKey } from '@ims-authz/catalog';

export type AccessLevel = NonNullable<CatalogAction['access_level']>;

export const ACCESS_LEVELS: ReadonlyArray<{ level: AccessLevel | null; label: string }> = [
  { level: 'list', label: 'List' },
  { level: 'read', label: 'Read' },
  { level: 'write', label: 'Write' },
  { level: 'permission_management', label: 'Permission management' },
  { level: 'tagging', label: 'Tagging' },
  { level: null, label: 'Dependencies and other services' },
];

/** Canonical actions by access level, in catalog order. */
export function actionsByLevel(): Array<{ label: string; actions: CatalogAction[] }> {
  return ACCESS_LEVELS.map(({ level, label }) => ({ label, actions: catalog.actions.filter((a) => a.access_level === level) })).filter((g) => g.actions.length > 0);
}

export function findAction(name: string): CatalogAction | undefined {
  const idx = catalog.action_index[name.toLowerCase()];
  return idx && idx.length > 0 ? catalog.actions[idx[0] as number] : undefined;
}

export function apiKey(api: Pick<CatalogApi, 'method' | 'path'>): string {
  return `${api.method} ${api.path}`;
}

export function findApi(key: string): CatalogApi | undefined {
  return catalog.apis.find((a) => apiKey(a) === key);
}

/** `{image_id}` parameters of an API path template, in order. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

/** The concrete path of a template with its parameters filled in (empty ones stay as `{name}`). */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) => (params[name] ? encodeURIComponent(params[name] as string) : whole));
}

/** The hints an API's conditional dependencies depend on (only those are worth asking for). */
export function apiHints(api: CatalogApi): Array<{ hint: 'quick_import_disk' | 'enterprise_project'; notes: string[] }> {
  const byHint = new Map<'quick_import_disk' | 'enterprise_project', string[]>();
  for (const d of api.dependencies) {
    if (!d.condition) continue;
    const notes = byHint.get(d.condition.hint) ?? [];
    notes.push(`${d.action}: ${d.condition.note}`);
    byHint.set(d.condition.hint, notes);
  }
  return [...byHint].map(([hint, notes]) => ({ hint, notes }));
}

/** Placeholders of a URN template, e.g. `ims:<region>:<account-id>:image:<image-id>` -> region, account-id, image-id. */
export function urnPlaceholders(template: string): string[] {
  return [...template.matchAll(/<([^>]+)>/g)].map((m) => m[1] as string);
}

export function fillUrn(template: string, parts: Record<string, string>): string {
  return template.replace(/<([^>]+)>/g, (whole, name: string) => parts[name] || whole);
}

/** Reads a URN back into the template's parts; null when it does not fit. */
export function parseUrn(template: string, urn: string): Record<string, string> | null {
  const names = urnPlaceholders(template);
  const re = new RegExp(
    `^${template
      .split(/<[^>]+>/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('([^:]*)')}$`,
  );
  const m = re.exec(urn);
  if (!m) return null;
  return Object.fromEntries(names.map((n, i) => [n, m[i + 1] as string]));
}

export interface ContextKeyOffer {
  /** As the catalog writes it; tag keys end in `/<tag-key>`. */
  key: string;
  info: CatalogConditionKey | undefined;
  /** A tag key: the user names the tag after the `/`. */
  tag: boolean;
}

/** The keys an action carries (catalog table), with their catalog types. */
export function contextKeysOf(actions: readonly string[]): ContextKeyOffer[] {
  const seen = new Set<string>();
  const out: ContextKeyOffer[] = [];
  for (const name of actions) {
    for (const key of findAction(name)?.condition_keys ?? []) {
      if (seen.has(key.toLowerCase())) continue;
      seen.add(key.toLowerCase());
      out.push({ key, info: conditionKeyInfo(key.replace(/<tag-key>$/, '')), tag: key.endsWith('/<tag-key>') });
    }
  }
  return out;
}

/** Global keys (every action): offered as free keys besides the action's own. */
export function globalKeys(): CatalogConditionKey[] {
  return catalog.condition_keys.filter((k) => k.scope === 'global');
}

export function keyInfo(key: string): CatalogConditionKey | undefined {
  return conditionKeyInfo(key);
}

/** One line for a key's type: `boolean`, `string, multi-valued`. */
export function typeLabel(info: CatalogConditionKey | undefined): string {
  if (!info) return 'not in the catalog';
  return info.multi_valued ? `${info.type}, multi-valued` : info.type;
}
