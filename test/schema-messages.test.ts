/**
 * The messages of the schema checker (lib/schema/check.ts), one class at a time, over cases generated from
 * the schemas themselves (lib/schema/): every field of every schema, every constraint it carries (type,
 * enum, const, length, item and key counts, required and unknown fields, finite numbers), inside every
 * alternative of an anyOf. A field added to a schema is covered without touching this file.
 *
 * Each message must name the failing rule with its limit and the actual value (`at most 2048 characters
 * (has 2049)`), at the right field, and never confuse a failing alternative with the list of types: "must be
 * a string or a number ..., not a string" says nothing (the value *is* a string; it is too long).
 */
import { describe, expect, it } from 'vitest';
import { problemMessage } from '../lib/schema/check.js';
import type { JsonSchema, SchemaName } from '../lib/schema/core.js';
import { checkSchema, SCHEMAS } from '../lib/schema/schemas.js';
import { evaluate } from '../lib/index.js';

// ---------------------------------------------------------------------------------------------------------
// Building instances from a schema
// ---------------------------------------------------------------------------------------------------------

type Step = { prop: string } | { item: true } | { extra: string } | { alt: number } | { all: number };

const refName = (ref: string): SchemaName => ref.slice('#/components/schemas/'.length) as SchemaName;
const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? SCHEMAS[refName(s.$ref)] : s);
const typesOf = (s: JsonSchema): readonly string[] => (s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type);

/** A small valid instance of a schema (the first alternative of a union; required fields only). */
function minimal(schema: JsonSchema): unknown {
  const s = resolve(schema);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p) => minimal(p) as object));
  if (s.anyOf || s.oneOf) return minimal((s.anyOf ?? s.oneOf)![0]!);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const t = typesOf(s)[0];
  switch (t) {
    case 'string':
      return 'a'.repeat(Math.max(1, s.minLength ?? 0));
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => minimal(s.items ?? {}));
    case 'object':
    case undefined: {
      if (t === undefined && !s.properties) return 'x';
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = minimal(s.properties?.[k] ?? {});
      return out;
    }
    default:
      throw new Error(`no instance for type ${t}`);
  }
}

/** A valid instance of `schema` except at the end of `steps`, where `leaf` is. */
function build(schema: JsonSchema, steps: readonly Step[], leaf: unknown): unknown {
  if (steps.length === 0) return leaf;
  const s = resolve(schema);
  const [step, ...rest] = steps as [Step, ...Step[]];
  if ('alt' in step) return build((s.anyOf ?? s.oneOf)![step.alt]!, rest, leaf);
  if ('all' in step) {
    const parts = s.allOf!.map((p, i) => (i === step.all ? build(p, rest, leaf) : minimal(p)));
    return Object.assign({}, ...(parts as object[]));
  }
  if ('item' in step) return [build(s.items ?? {}, rest, leaf)];
  const base = minimal(s) as Record<string, unknown>;
  if ('prop' in step) return { ...base, [step.prop]: build(s.properties![step.prop]!, rest, leaf) };
  return { ...base, [step.extra]: build(s.additionalProperties as JsonSchema, rest, leaf) };
}

/** The field path the checker reports for `steps` (dotted, `[0]` for items). */
function fieldOf(steps: readonly Step[]): string {
  let out = '';
  for (const st of steps) {
    if ('prop' in st) out = out ? `${out}.${st.prop}` : st.prop;
    else if ('extra' in st) out = out ? `${out}.${st.extra}` : st.extra;
    else if ('item' in st) out = `${out}[0]`;
  }
  return out;
}

interface Site {
  root: SchemaName;
  steps: Step[];
  schema: JsonSchema;
  /** Reached through an alternative of an anyOf (its type is then the union's business). */
  inAlternative: boolean;
  /** A part of an allOf: its type is the whole's business. */
  inAllOf?: boolean;
}

/** Every subschema of every schema, with the steps that reach it (each $ref followed once per path). */
function sites(): Site[] {
  const out: Site[] = [];
  const walk = (root: SchemaName, schema: JsonSchema, steps: Step[], refs: ReadonlySet<string>, inAlternative: boolean): void => {
    if (schema.$ref) {
      if (refs.has(schema.$ref)) return;
      walk(root, resolve(schema), steps, new Set([...refs, schema.$ref]), inAlternative);
      return;
    }
    out.push({ root, steps, schema, inAlternative, inAllOf: steps.length > 0 && 'all' in steps[steps.length - 1]! });
    (schema.anyOf ?? schema.oneOf ?? []).forEach((a, i) => walk(root, a, [...steps, { alt: i }], refs, true));
    (schema.allOf ?? []).forEach((a, i) => walk(root, a, [...steps, { all: i }], refs, inAlternative));
    for (const [k, sub] of Object.entries(schema.properties ?? {})) walk(root, sub, [...steps, { prop: k }], refs, false);
    if (schema.items) walk(root, schema.items, [...steps, { item: true }], refs, false);
    if (typeof schema.additionalProperties === 'object') walk(root, schema.additionalProperties, [...steps, { extra: 'some-key' }], refs, false);
  };
  for (const name of Object.keys(SCHEMAS) as SchemaName[]) walk(name, SCHEMAS[name], [], new Set([`#/components/schemas/${name}`]), false);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The violations each constraint gives rise to, and what its message must say
// ---------------------------------------------------------------------------------------------------------

interface Violation {
  kind: string;
  /** The value at the site (or, for `at: 'parent'` kinds, the whole object at the site). */
  value: unknown;
  /** Extra steps below the site where the checker must point. */
  field: (site: string) => string;
  message: RegExp | string;
}

const esc = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);
const JSON_TYPES: Array<[string, unknown]> = [
  ['string', 'text'],
  ['number', 7],
  ['boolean', false],
  ['null', null],
  ['array', []],
  ['object', {}],
];

function admitted(s: JsonSchema): Set<string> | null {
  const r = resolve(s);
  const alts = r.anyOf ?? r.oneOf;
  if (alts) {
    const all = alts.map(admitted);
    if (all.some((x) => x === null)) return null;
    return new Set(all.flatMap((x) => [...(x as Set<string>)]));
  }
  if (r.allOf) return admitted(r.allOf[0]!);
  const values = r.const !== undefined ? [r.const] : r.enum;
  if (values) return new Set(values.map((v) => (v === null ? 'null' : typeof v)));
  const t = typesOf(r);
  return t.length === 0 ? null : new Set(t.map((x) => (x === 'integer' ? 'number' : x)));
}

function violations(site: Site): Violation[] {
  const s = site.schema;
  const out: Violation[] = [];
  const here = (f: string): string => f;
  const types = typesOf(s);
  const single = types.length === 1 ? types[0] : undefined;
  if (!site.inAlternative && !site.inAllOf) {
    // A value of a type the field does not admit: the list of what it admits, and the type it got.
    const ok = admitted(s);
    if (ok !== null) {
      const wrong = JSON_TYPES.find(([t]) => !ok.has(t));
      if (wrong) out.push({ kind: 'type', value: wrong[1], field: here, message: new RegExp(`^must be .+, not (a|an) ${wrong[0]}$|^must be .+, not null$`) });
    }
  }
  if (single === 'string' && s.maxLength !== undefined) {
    out.push({ kind: 'maxLength', value: 'a'.repeat(s.maxLength + 1), field: here, message: `must have at most ${s.maxLength} characters (has ${s.maxLength + 1})` });
  }
  if (single === 'string' && (s.minLength ?? 0) > 0) {
    out.push({ kind: 'minLength', value: '', field: here, message: /^must not be empty/ });
    if (s.minLength! > 1) out.push({ kind: 'minLength', value: 'a', field: here, message: `must have at least ${s.minLength} characters (has 1)` });
  }
  if (s.enum) out.push({ kind: 'enum', value: 'no-such-value', field: here, message: new RegExp(`^must be one of ${esc(s.enum.map((x) => JSON.stringify(x)).join(', '))}.*, not "no-such-value"$`) });
  if (s.const !== undefined) out.push({ kind: 'const', value: 'no-such-value', field: here, message: /^must be (".*"|one of .*), not "no-such-value"$/ });
  if ((single === 'number' || single === 'integer') && !site.inAlternative) {
    out.push({ kind: 'finite', value: Number.POSITIVE_INFINITY, field: here, message: single === 'integer' ? 'must be an integer, not Infinity' : 'must be a finite number' });
  }
  if (single === 'array') {
    const item = minimal(s.items ?? {});
    if (s.maxItems !== undefined)
      out.push({ kind: 'maxItems', value: Array.from({ length: s.maxItems + 1 }, () => item), field: here, message: `must have at most ${s.maxItems} items (has ${s.maxItems + 1})` });
    if ((s.minItems ?? 0) > 0) {
      const n = s.minItems! - 1;
      out.push({ kind: 'minItems', value: Array.from({ length: n }, () => item), field: here, message: `must have at least ${s.minItems} item${s.minItems! > 1 ? 's' : ''} (has ${n})` });
    }
  }
  if (single === 'object' || s.properties) {
    const base = minimal(s) as Record<string, unknown>;
    for (const k of s.required ?? []) {
      const { [k]: _dropped, ...without } = base;
      out.push({ kind: 'required', value: without, field: (f) => join(f, k), message: 'is required' });
    }
    if (s.additionalProperties === false) out.push({ kind: 'unknown field', value: { ...base, 'no-such-field': 1 }, field: (f) => join(f, 'no-such-field'), message: 'is not a known field' });
    if (s.maxProperties !== undefined) {
      const value: Record<string, unknown> = {};
      const extra = typeof s.additionalProperties === 'object' ? minimal(s.additionalProperties) : 1;
      for (let i = 0; i <= s.maxProperties; i++) value[`k${i}`] = extra;
      out.push({ kind: 'maxProperties', value, field: here, message: `must have at most ${s.maxProperties} keys (has ${s.maxProperties + 1})` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------

const ALL = sites();
const CASES = ALL.flatMap((site) =>
  violations(site).map((v) => ({
    site,
    v,
    name: `${site.root} ${fieldOf(site.steps) || '(body)'}${
      site.inAlternative
        ? ` (alternative ${site.steps
            .filter((x) => 'alt' in x)
            .map((x) => (x as { alt: number }).alt)
            .join('.')})`
        : ''
    }: ${v.kind}`,
  })),
);

describe('schema messages, generated from the schemas', () => {
  it('the minimal instance of every schema is valid (the generator is sound)', () => {
    for (const name of Object.keys(SCHEMAS) as SchemaName[]) expect(checkSchema(name, minimal(SCHEMAS[name])), name).toBeNull();
  });

  it('covers every message class, and the schemas the functions check', () => {
    const kinds = new Set(CASES.map((c) => c.v.kind));
    expect([...kinds].sort()).toEqual(['const', 'enum', 'finite', 'maxItems', 'maxLength', 'maxProperties', 'minItems', 'minLength', 'required', 'type', 'unknown field'].sort());
    // The case the issue found, and the alternatives of the grant scope, are among them.
    expect(CASES.some((c) => c.site.root === 'EvaluateRequest' && fieldOf(c.site.steps) === 'context.some-key' && c.v.kind === 'maxLength')).toBe(true);
    expect(CASES.filter((c) => c.site.root === 'GrantScope' && c.site.inAlternative).length).toBeGreaterThan(5);
    expect(CASES.length).toBeGreaterThan(200);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, { site, v }) => {
    const doc = build(SCHEMAS[site.root], site.steps, v.value);
    const problem = checkSchema(site.root, doc);
    expect(problem, `accepted: ${JSON.stringify(doc).slice(0, 300)}`).not.toBeNull();
    expect(problem!.field).toBe(v.field(fieldOf(site.steps)));
    if (typeof v.message === 'string') expect(problem!.message).toBe(v.message);
    else expect(problem!.message).toMatch(v.message);
    // The confusion this file guards against: "must be X or Y, not Z" where Z is one of X, Y.
    const union = /^must be (.+), not (?:an? )?(\w+)$/.exec(problem!.message);
    if (union && !union[1]!.startsWith('one of') && !union[1]!.startsWith('"')) {
      const listed = union[1]!.split(' or ').map((x) => x.replace(/^an? /, ''));
      expect(listed, problem!.message).not.toContain(union[2]);
    }
  });
});

describe('schema messages read in requests', () => {
  it('an over-long context value gives the limit and the length, like an over-long resource', () => {
    const long = 'x'.repeat(2049);
    const r = evaluate({ action: 'ims:images:list', context: { 'g:ResourceTag/env': long } });
    expect(r).toEqual({ error: { code: 'INVALID_REQUEST', message: '"context.g:ResourceTag/env" must have at most 2048 characters (has 2049).', details: { field: 'context.g:ResourceTag/env' } } });
    const res = evaluate({ action: 'ims:images:get', resource: long });
    expect('error' in res && res.error.message).toBe('"resource" must have at most 2048 characters (has 2049).');
  });

  it('a context value of a type no alternative admits lists the admitted types', () => {
    const r = evaluate({ action: 'ims:images:list', context: { k: { a: 1 } } });
    expect('error' in r && r.error.message).toBe('"context.k" must be a string or a number or a boolean or null or an array, not an object.');
  });

  it('a grant scope names the failing part of the alternative its type selects', () => {
    const msg = (scope: unknown): string => problemMessage(checkSchema('CreateGrantBody', { policy_id: 'p', principal: { type: 'user', id: 'u' }, scope })!, 'The body');
    expect(msg({ type: 'project' })).toBe('"scope.project" is required.');
    expect(msg({ type: 'project', project: 'p'.repeat(65) })).toBe('"scope.project" must have at most 64 characters (has 65).');
    expect(msg({ type: 'global', project: 'x' })).toBe('"scope.project" is not a known field.');
    expect(msg({ type: 'projekt' })).toBe('"scope.type" must be one of "global", "all_projects", "project", "enterprise_project", not "projekt".');
    expect(msg({})).toBe('"scope.type" is required.');
  });

  it('a number that is not finite (a library caller can pass one) says so, inside the alternatives of a context value too', () => {
    expect(checkSchema('EvaluateRequest', { action: 'a', context: { k: Number.NaN } })).toEqual({ field: 'context.k', message: 'must be a finite number' });
    expect(checkSchema('EvaluateRequest', { action: 'a', context: { k: [1, Number.POSITIVE_INFINITY] } })).toEqual({ field: 'context.k[1]', message: 'must be a finite number' });
  });

  it('numbers are "a number" whether integral or not', () => {
    expect(checkSchema('EvaluateRequest', { action: 5 })?.message).toBe('must be a string, not a number');
    expect(checkSchema('EvaluateRequest', { action: 5.5 })?.message).toBe('must be a string, not a number');
  });
});
