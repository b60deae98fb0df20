/**
 * Checks the hand-kept catalog source `packages/catalog/source/ims.json` against the Huawei seed document
 * (Organizations "Image Management Service (IMS)" SCP elements page, kept verbatim in
 * `test/fixtures/seed-ims-scp-elements.txt`), row by row and in both directions.
 *
 * The seed is parsed here with a small layout-aware parser: table cells are non-empty lines, multi-value cells
 * are runs of `  • ` bullet lines, and `-` is an empty cell.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import type { AccessLevel, CatalogAction, CatalogDependency, CatalogResourceRef, CompiledCatalog, DependencyCondition } from '../packages/catalog/index.js';

type CatalogSource = Omit<CompiledCatalog, 'version' | 'action_index' | 'condition_key_index' | 'routes' | 'api_requirements'>;

const seedText = readFileSync(new URL('./fixtures/seed-ims-scp-elements.txt', import.meta.url), 'utf8');
const source = JSON.parse(readFileSync(new URL('../packages/catalog/source/ims.json', import.meta.url), 'utf8')) as CatalogSource;

// ---------------------------------------------------------------------------------------------------------------
// Seed parser
// ---------------------------------------------------------------------------------------------------------------

interface Item {
  text: string;
  bullet: boolean;
}

const seedLines = seedText.split(/\r?\n/);

function fail(message: string): never {
  throw new Error(`seed parser: ${message}`);
}

/** Non-empty lines strictly between the first line equal to `start` and the next line matching `end`. */
function section(start: string, end: (line: string) => boolean): Item[] {
  const from = seedLines.findIndex((l) => l.trim() === start);
  if (from < 0) fail(`heading not found: ${start}`);
  const items: Item[] = [];
  for (let i = from + 1; i < seedLines.length; i++) {
    const raw = seedLines[i] ?? '';
    const line = raw.trim();
    if (end(line)) return items;
    if (line === '') continue;
    const bullet = /^\s*•\s/.test(raw);
    items.push({ text: bullet ? line.replace(/^•\s*/, '') : line, bullet });
  }
  return fail(`end of section not found after: ${start}`);
}

/** Sequential reader over the cells of one table. */
class Reader {
  private i = 0;
  constructor(private readonly items: Item[]) {}
  get done(): boolean {
    return this.i >= this.items.length;
  }
  peek(): Item | undefined {
    return this.items[this.i];
  }
  next(what: string): Item {
    const item = this.items[this.i++];
    if (!item) fail(`expected ${what}, found end of table`);
    return item;
  }
  cell(what: string): string {
    const item = this.next(what);
    if (item.bullet) fail(`expected ${what} as a plain line, found bullet "${item.text}"`);
    return item.text;
  }
  headers(expected: string[]): void {
    for (const h of expected) {
      const got = this.cell(`header ${h}`);
      if (got !== h) fail(`expected header "${h}", found "${got}"`);
    }
  }
  /** A cell that is either `-` (empty), one plain line, or a run of bullet lines (stopping where `stop` matches). */
  listCell(what: string, stop: (text: string) => boolean = () => false): string[] {
    const first = this.peek();
    if (!first) fail(`expected ${what}, found end of table`);
    if (!first.bullet) {
      const text = this.cell(what);
      return text === '-' ? [] : [text];
    }
    const values: string[] = [];
    for (let it = this.peek(); it && it.bullet && !stop(it.text); it = this.peek()) values.push(this.next(what).text);
    if (values.length === 0) fail(`empty bullet cell for ${what}`);
    return values;
  }
}

interface Table1Row {
  name: string;
  description: string;
  accessLevel: string;
  resourceTypes: CatalogResourceRef[];
  conditionKeys: string[];
}

interface ApiListing {
  method: string;
  path: string;
  /** Text of a trailing "(required only ...)" qualifier, or null. */
  qualifier: string | null;
}

interface Table2Row {
  apis: ApiListing[];
  action: string;
  dependencies: string[];
}

interface Table3Row {
  type: string;
  urn: string;
}

interface Table4Row {
  key: string;
  type: string;
  multiplicity: string;
  description: string;
}

const ACTION_NAME = /^[a-z]+:[A-Za-z]+:[A-Za-z]+$/;
const API_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD) (\/\S*)(?: \((.+)\))?$/;

function parseResourceCell(cell: string): CatalogResourceRef[] {
  if (cell === '-') return [];
  return cell.split(',').map((part) => {
    const m = /^([A-Za-z][\w-]*)(\s*\*)?$/.exec(part.trim());
    if (!m || !m[1]) fail(`bad resource type cell "${cell}"`);
    return { type: m[1], required: m[2] !== undefined };
  });
}

function parseTable1(): Table1Row[] {
  const r = new Reader(section('Table 1 Supported Actions', (l) => l.startsWith('Each API of IMS')));
  r.headers(['Action', 'Description', 'Access Level', 'Resource Type (*: required)', 'Condition Key']);
  const rows: Table1Row[] = [];
  while (!r.done) {
    const name = r.cell('action name');
    if (!name.startsWith('ims:') || !ACTION_NAME.test(name)) fail(`bad action name "${name}"`);
    const description = r.cell(`description of ${name}`);
    const accessLevel = r.cell(`access level of ${name}`);
    const resourceTypes = parseResourceCell(r.cell(`resource type of ${name}`));
    const conditionKeys = r.listCell(`condition keys of ${name}`);
    rows.push({ name, description, accessLevel, resourceTypes, conditionKeys });
  }
  return rows;
}

function parseApi(text: string): ApiListing {
  const m = API_LINE.exec(text);
  if (!m || !m[1] || !m[2]) fail(`bad API "${text}"`);
  return { method: m[1], path: m[2], qualifier: m[3] ?? null };
}

function parseTable2(): Table2Row[] {
  const r = new Reader(section('Table 2 Actions and dependencies supported by IMS APIs', (l) => l === 'Resources'));
  r.headers(['API', 'Action', 'Dependencies']);
  const rows: Table2Row[] = [];
  while (!r.done) {
    const apis: ApiListing[] = [];
    for (let it = r.peek(); it && API_LINE.test(it.text); it = r.peek()) apis.push(parseApi(r.next('API').text));
    if (apis.length === 0) fail(`expected an API, found "${r.peek()?.text}"`);
    const action = r.cell('action');
    if (!action.startsWith('ims:') || !ACTION_NAME.test(action)) fail(`bad action "${action}"`);
    // Adjacent bullet cells run together in the text: the dependency cell stops where the next row's APIs begin.
    const dependencies = r.listCell(`dependencies of ${action}`, (t) => API_LINE.test(t));
    for (const d of dependencies) if (!ACTION_NAME.test(d)) fail(`bad dependency "${d}" of ${action}`);
    rows.push({ apis, action, dependencies });
  }
  return rows;
}

function parseTable3(): Table3Row[] {
  const r = new Reader(section('Table 3 Resource types supported by IMS', (l) => l === 'NOTE:' || l === 'Conditions'));
  r.headers(['Resource Type', 'URN']);
  const rows: Table3Row[] = [];
  while (!r.done) {
    const type = r.cell('resource type');
    const urn = r.cell(`URN of ${type}`);
    while (r.peek()?.bullet) r.next('URN explanation'); // `<region> indicates ...` bullets
    rows.push({ type, urn });
  }
  return rows;
}

function parseTable4(): Table4Row[] {
  const r = new Reader(section('Table 4 Service-specific condition keys supported by IMS', (l) => l.startsWith('We use cookies')));
  r.headers(['Service-specific Condition Key', 'Type', 'Single-valued/Multivalued', 'Description']);
  const rows: Table4Row[] = [];
  while (!r.done) {
    const key = r.cell('condition key');
    rows.push({
      key,
      type: r.cell(`type of ${key}`),
      multiplicity: r.cell(`multiplicity of ${key}`),
      description: r.cell(`description of ${key}`),
    });
  }
  return rows;
}

const table1 = parseTable1();
const table2 = parseTable2();
const table3 = parseTable3();
const table4 = parseTable4();

// ---------------------------------------------------------------------------------------------------------------
// Helpers over the JSON
// ---------------------------------------------------------------------------------------------------------------

const apiKey = (a: { method: string; path: string }): string => `${a.method} ${a.path}`;
const entries = source.actions;
const tableActions = entries.filter((a) => a.kind === 'action');
const byName = new Map<string, CatalogAction>(entries.map((a) => [a.name, a]));
const aliasNames = new Set(entries.flatMap((a) => a.aliases));
const table1Names = new Set(table1.map((r) => r.name));
const noteSubjects = new Set(source.notes.flatMap((n) => n.subjects));

function actionOf(name: string): CatalogAction {
  const a = byName.get(name);
  if (!a) throw new Error(`ims.json has no action ${name}`);
  return a;
}

/** The only interpretation the test makes of the seed's prose: which hint a "(required only ...)" qualifier means. */
function conditionFor(qualifier: string): DependencyCondition {
  if (/data disk image/.test(qualifier)) return { hint: 'quick_import_disk', value: 'data', note: qualifier };
  if (/system disk image/.test(qualifier)) return { hint: 'quick_import_disk', value: 'system', note: qualifier };
  if (/enterprise project/.test(qualifier)) return { hint: 'enterprise_project', value: true, note: qualifier };
  throw new Error(`unknown qualifier "${qualifier}": decide its hint and update the test and ims.json`);
}

/** Every Table 2 listing of one API, in table order. */
interface Listing {
  row: Table2Row;
  qualifier: string | null;
}
const listingsByApi = new Map<string, Listing[]>();
for (const row of table2) {
  for (const api of row.apis) {
    const k = apiKey(api);
    const list = listingsByApi.get(k) ?? [];
    list.push({ row, qualifier: api.qualifier });
    listingsByApi.set(k, list);
  }
}
const seedApiKeys = [...listingsByApi.keys()]; // first-appearance order

/** Expected dependencies of one API: its own row's, then the rows that list it with a qualifier (qualifier wins). */
function expectedDependencies(listings: Listing[]): CatalogDependency[] {
  const own = listings.filter((l) => l.qualifier === null);
  const deps: CatalogDependency[] = own.flatMap((l) => l.row.dependencies.map((action) => ({ action, condition: null })));
  for (const l of listings) {
    if (l.qualifier === null) continue;
    const condition = conditionFor(l.qualifier);
    const existing = deps.find((d) => d.action === l.row.action);
    if (existing) existing.condition = condition;
    else deps.push({ action: l.row.action, condition });
  }
  return deps;
}

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe('seed parser', () => {
  it('reads every table of the seed', () => {
    expect(table1).toHaveLength(26);
    expect(table2).toHaveLength(26);
    expect(seedApiKeys).toHaveLength(29);
    expect(table3).toHaveLength(1);
    expect(table4).toHaveLength(4);
  });

  it('gives the page date and title to source', () => {
    const updated = /^Updated on (\d{4}-\d{2}-\d{2})\b/m.exec(seedText)?.[1];
    expect(updated).toBeDefined();
    expect(source.source.updated).toBe(updated);
    expect(source.service).toBe('ims');
    expect(source.source.title).toContain('Image Management Service (IMS)');
  });
});

describe('ims.json shape (CompiledCatalog without computed fields)', () => {
  const levels: AccessLevel[] = ['list', 'read', 'write', 'permission_management', 'tagging'];
  const sortedKeys = (o: object): string[] => Object.keys(o).sort();

  it('has exactly the source fields', () => {
    expect(sortedKeys(source)).toEqual(['actions', 'apis', 'condition_keys', 'notes', 'resource_types', 'service', 'source'].sort());
    expect(sortedKeys(source.source)).toEqual(['title', 'updated']);
    expect(source.source.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('has well-formed actions', () => {
    for (const a of entries) {
      expect(sortedKeys(a), a.name).toEqual(['access_level', 'aliases', 'condition_keys', 'description', 'enterprise_project', 'kind', 'name', 'resource_types'].sort());
      expect(['action', 'dependency_only', 'foreign'], a.name).toContain(a.kind);
      expect(a.name, a.name).toMatch(ACTION_NAME);
      expect(a.description.length, a.name).toBeGreaterThan(0);
      expect(typeof a.enterprise_project, a.name).toBe('boolean');
      if (a.kind === 'action') expect(levels, a.name).toContain(a.access_level);
      else expect(a.access_level, a.name).toBeNull();
      for (const r of a.resource_types) expect(sortedKeys(r), a.name).toEqual(['required', 'type']);
      for (const k of a.condition_keys) expect(typeof k, a.name).toBe('string');
      for (const k of a.aliases) expect(k, a.name).toMatch(ACTION_NAME);
    }
    const lower = entries.map((a) => a.name.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
  });

  it('has well-formed apis', () => {
    for (const api of source.apis) {
      expect(sortedKeys(api)).toEqual(['action', 'dependencies', 'method', 'path']);
      expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).toContain(api.method);
      expect(api.path).toMatch(/^\/\S*$/);
      for (const d of api.dependencies) {
        expect(sortedKeys(d)).toEqual(['action', 'condition']);
        if (d.condition !== null) {
          expect(sortedKeys(d.condition)).toEqual(['hint', 'note', 'value']);
          if (d.condition.hint === 'quick_import_disk') expect(['data', 'system']).toContain(d.condition.value);
          else expect(d.condition).toMatchObject({ hint: 'enterprise_project', value: true });
        }
      }
    }
    const keys = source.apis.map(apiKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has well-formed condition keys and notes', () => {
    for (const k of source.condition_keys) {
      expect(sortedKeys(k), k.key).toEqual(['description', 'key', 'multi_valued', 'scope', 'status', 'type']);
      expect(['service', 'global'], k.key).toContain(k.scope);
      expect(['string', 'numeric', 'date', 'boolean', 'ip_address'], k.key).toContain(k.type);
      expect(['documented', 'unverified'], k.key).toContain(k.status);
      expect(typeof k.multi_valued, k.key).toBe('boolean');
      expect(k.description.length, k.key).toBeGreaterThan(0);
      expect(k.key, k.key).toMatch(k.scope === 'global' ? /^g:[A-Za-z]+(\/<tag-key>)?$/ : /^ims:[A-Za-z]+$/);
    }
    const lower = source.condition_keys.map((k) => k.key.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    for (const n of source.notes) {
      expect(sortedKeys(n)).toEqual(['code', 'message', 'subjects']);
      expect(n.code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(n.message.length, n.code).toBeGreaterThan(0);
      expect(n.subjects.length, n.code).toBeGreaterThan(0);
    }
    const codes = source.notes.map((n) => n.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('Table 1: supported actions', () => {
  it.each(table1)('$name', (row) => {
    const a = actionOf(row.name);
    expect(a.kind).toBe('action');
    expect(a.description).toBe(row.description);
    expect(a.access_level).toBe(row.accessLevel);
    expect(a.resource_types).toEqual(row.resourceTypes);
    expect(a.condition_keys).toEqual(row.conditionKeys);
    expect(a.enterprise_project).toBe(row.conditionKeys.includes('g:EnterpriseProjectId'));
  });

  it('has no other action, in table order, followed by the non-table entries', () => {
    expect(tableActions.map((a) => a.name)).toEqual(table1.map((r) => r.name));
    expect(tableActions).toHaveLength(26);
    expect(entries.slice(0, tableActions.length).every((a) => a.kind === 'action')).toBe(true);
  });

  it('sets enterprise_project exactly for the rows listing g:EnterpriseProjectId', () => {
    const ep = table1.filter((r) => r.conditionKeys.includes('g:EnterpriseProjectId')).map((r) => r.name);
    expect(entries.filter((a) => a.enterprise_project).map((a) => a.name)).toEqual(ep);
  });

  it('has exactly the three documented legacy aliases', () => {
    const pairs = entries.flatMap((a) => a.aliases.map((alias) => `${alias} -> ${a.name}`)).sort();
    expect(pairs).toEqual(
      [
        'ims:images:update -> ims:images:updateImage',
        'ims:images:delete -> ims:images:deleteImage',
        'ims:images:copy -> ims:images:copyInRegion',
        'ims:images:copy -> ims:images:copyCrossRegion',
      ].sort(),
    );
    const canonical = new Set(entries.map((a) => a.name.toLowerCase()));
    for (const alias of aliasNames) expect(canonical.has(alias.toLowerCase()), alias).toBe(false);
  });

  it('names only defined resource types and condition keys (documented ones)', () => {
    const types = new Set(source.resource_types.map((t) => t.name));
    const keys = new Map(source.condition_keys.map((k) => [k.key, k]));
    for (const a of tableActions) {
      for (const r of a.resource_types) expect(types.has(r.type), `${a.name} ${r.type}`).toBe(true);
      for (const k of a.condition_keys) {
        expect(keys.get(k)?.status, `${a.name} ${k}`).toBe('documented');
        if (k.startsWith('ims:'))
          expect(
            table4.map((t) => t.key),
            `${a.name} ${k}`,
          ).toContain(k);
      }
    }
  });
});

describe('Table 2: APIs, actions and dependencies', () => {
  const jsonApis = new Map(source.apis.map((api) => [apiKey(api), api]));

  it.each(table2)('row $action', (row) => {
    for (const listing of row.apis) {
      const api = jsonApis.get(apiKey(listing));
      expect(api, apiKey(listing)).toBeDefined();
      if (!api) continue;
      if (listing.qualifier === null) {
        expect(api.action, apiKey(listing)).toBe(row.action);
        for (const dep of row.dependencies) {
          expect(
            api.dependencies.map((d) => d.action),
            apiKey(listing),
          ).toContain(dep);
        }
      } else {
        expect(api.action, apiKey(listing)).not.toBe(row.action);
        const dep = api.dependencies.find((d) => d.action === row.action);
        expect(dep?.condition, apiKey(listing)).toEqual(conditionFor(listing.qualifier));
      }
    }
  });

  it.each(seedApiKeys)('%s', (key) => {
    const listings = listingsByApi.get(key) ?? [];
    const own = listings.filter((l) => l.qualifier === null);
    expect(own, `${key} must be listed exactly once without qualifier`).toHaveLength(1);
    const api = jsonApis.get(key);
    expect(api).toBeDefined();
    expect(api?.action).toBe(own[0]?.row.action);
    expect(api?.dependencies).toEqual(expectedDependencies(listings));
  });

  it('has no API the seed lacks, in first-appearance order', () => {
    expect(source.apis.map(apiKey)).toEqual(seedApiKeys);
  });

  it('lists only Table 1 actions as API actions', () => {
    for (const api of source.apis) expect(table1Names.has(api.action), apiKey(api)).toBe(true);
  });

  it('names in every dependency an action, alias, dependency-only or foreign entry', () => {
    for (const api of source.apis) {
      for (const d of api.dependencies) {
        expect(byName.has(d.action) || aliasNames.has(d.action), `${apiKey(api)} -> ${d.action}`).toBe(true);
      }
    }
  });

  it('keeps seed dependencies outside Table 1 as aliases, dependency-only or foreign entries', () => {
    const outside = new Set(table2.flatMap((r) => r.dependencies).filter((d) => !table1Names.has(d)));
    for (const d of outside) {
      if (aliasNames.has(d)) continue;
      expect(byName.get(d)?.kind, d).toBe(d.startsWith('ims:') ? 'dependency_only' : 'foreign');
    }
    for (const a of entries.filter((e) => e.kind !== 'action')) {
      expect(outside.has(a.name), `${a.name} is not a seed dependency`).toBe(true);
      expect(a).toMatchObject({ access_level: null, resource_types: [], condition_keys: [], aliases: [], enterprise_project: false });
      if (a.kind === 'foreign') expect(a.name.startsWith('ims:'), a.name).toBe(false);
      else expect(a.name.startsWith('ims:'), a.name).toBe(true);
    }
  });
});

describe('Table 3: resource types', () => {
  it('matches the URN templates', () => {
    expect(source.resource_types).toEqual(table3.map((r) => ({ name: r.type, service: r.urn.split(':')[0], urn_template: r.urn })));
  });
});

describe('Table 4: service condition keys', () => {
  const multi = (m: string): boolean => {
    if (m === 'Multivalued') return true;
    if (m === 'Single valued') return false;
    throw new Error(`unknown multiplicity "${m}"`);
  };

  it.each(table4)('$key', (row) => {
    const k = source.condition_keys.find((c) => c.key === row.key);
    expect(k).toEqual({
      key: row.key,
      scope: 'service',
      type: row.type,
      multi_valued: multi(row.multiplicity),
      description: row.description,
      status: 'documented',
    });
  });

  it('has no other service key, in table order, before the global keys', () => {
    expect(source.condition_keys.filter((k) => k.scope === 'service').map((k) => k.key)).toEqual(table4.map((r) => r.key));
    expect(source.condition_keys.slice(0, table4.length).every((k) => k.scope === 'service')).toBe(true);
  });
});

describe('global condition keys', () => {
  const get = (key: string) => source.condition_keys.find((k) => k.key === key);

  it('follows the multi-valuedness the seed and the IAM docs state', () => {
    // Seed, Conditions section: g:SourceVpce is single-valued, g:TagKeys multivalued.
    expect(get('g:SourceVpce')?.multi_valued).toBe(false);
    expect(get('g:TagKeys')?.multi_valued).toBe(true);
    expect(get('g:PrincipalOrgPath')?.multi_valued).toBe(false);
    const documentedMulti = source.condition_keys.filter((k) => k.scope === 'global' && k.status === 'documented' && k.multi_valued);
    expect(documentedMulti.map((k) => k.key)).toEqual(['g:TagKeys']);
  });

  it('writes tag keys with the <tag-key> placeholder', () => {
    for (const key of ['g:ResourceTag/<tag-key>', 'g:RequestTag/<tag-key>', 'g:PrincipalTag/<tag-key>']) {
      expect(get(key)?.status, key).toBe('documented');
    }
  });

  it('marks the third-party-only keys unverified', () => {
    for (const key of [
      'g:CalledVia',
      'g:CalledViaFirst',
      'g:CalledViaLast',
      'g:ViaService',
      'g:SecureTransport',
      'g:UserAgent',
      'g:Referer',
      'g:TokenIssueTime',
      'g:SourceIdentity',
      'g:ResourceOrgId',
      'g:ResourceOrgPath',
      'g:ResourceAccount',
    ]) {
      expect(get(key)?.status, key).toBe('unverified');
    }
    expect(get('g:SecureTransport')?.type).toBe('boolean');
    expect(get('g:TokenIssueTime')?.type).toBe('date');
    expect(get('g:CalledVia')?.multi_valued).toBe(true);
  });
});

describe('notes cover the seed inconsistencies', () => {
  const covered = (subject: string): boolean => noteSubjects.has(subject);

  it('for dependencies naming actions Table 1 lacks', () => {
    for (const d of table2.flatMap((r) => r.dependencies)) if (!table1Names.has(d)) expect(covered(d), d).toBe(true);
  });

  it('for service keys no action lists', () => {
    const used = new Set(table1.flatMap((r) => r.conditionKeys));
    for (const r of table4) if (!used.has(r.key)) expect(covered(r.key), r.key).toBe(true);
  });

  it('for APIs listed under several actions and for dependencies qualified in one row only', () => {
    for (const [key, listings] of listingsByApi) {
      if (listings.length > 1) expect(covered(key), key).toBe(true);
      const own = listings.find((l) => l.qualifier === null);
      for (const l of listings) {
        if (l.qualifier !== null && own?.row.dependencies.includes(l.row.action)) expect(covered(key), key).toBe(true);
      }
    }
  });

  it('for shared descriptions', () => {
    for (const r of table1) {
      if (table1.some((o) => o !== r && o.description === r.description)) expect(covered(r.name), r.name).toBe(true);
    }
  });

  it('for read/list actions listing request-tag keys', () => {
    for (const r of table1) {
      if ((r.accessLevel === 'read' || r.accessLevel === 'list') && r.conditionKeys.some((k) => k.startsWith('g:RequestTag/'))) {
        expect(covered(r.name), r.name).toBe(true);
      }
    }
  });

  it('for actions without resource type whose API path names an image', () => {
    for (const row of table2) {
      const t1 = table1.find((r) => r.name === row.action);
      const own = row.apis.filter((a) => a.qualifier === null);
      if (t1 && t1.resourceTypes.length === 0 && own.some((a) => a.path.includes('{image_id}'))) {
        expect(covered(row.action), row.action).toBe(true);
      }
    }
  });

  it('for foreign entries', () => {
    for (const a of entries) if (a.kind === 'foreign') expect(covered(a.name), a.name).toBe(true);
  });
});
