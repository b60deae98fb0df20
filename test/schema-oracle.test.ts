/**
 * The hand-written schema checker (lib/schema/check.ts) against an oracle: ajv, a full JSON Schema 2020-12
 * validator (dev dependency only: no bundle carries it). For every schema of lib/schema/, documents are
 * generated from the schema itself, near its rules: each constraint (type, enum, const, required, unknown
 * fields, string length, item and key counts, every alternative of an anyOf) is mostly kept and sometimes
 * broken by one (a string of maxLength + 1 characters, maxItems + 1 items, a missing required field, a value
 * of another type ...), then some are mutated blindly (a node replaced by any JSON value, a key dropped or
 * added, a string or an array stretched). Both validators must accept and reject the same documents; the
 * messages are ours and are tested in test/schema-messages.test.ts.
 *
 * Lengths: the limits count UTF-16 code units, as JavaScript strings do (ajv's `unicode: false`), not code
 * points: an astral character counts 2, so a limit never admits more code units than it says. Documents
 * are JSON (what a request body or queue message parses to): no NaN, Infinity or undefined, which the
 * checker also refuses (test/schema-messages.test.ts).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, SchemaName } from '../lib/schema/core.js';
import { checkSchema, SCHEMAS } from '../lib/schema/schemas.js';

const RUNS = Number(process.env.ORACLE_RUNS ?? 300);

const ajv = new Ajv2020({ strict: true, unicode: false, allErrors: false });
// The schemas reference each other as `#/components/schemas/<Name>`, as in the OpenAPI document.
ajv.addKeyword({ keyword: 'components' });
ajv.addSchema({ $id: 'ims-authz', components: { schemas: SCHEMAS } });
const oracle = (name: SchemaName): ((v: unknown) => boolean) => {
  const validate = ajv.getSchema(`ims-authz#/components/schemas/${name}`);
  if (!validate) throw new Error(`ajv has no schema ${name}`);
  return (v) => validate(v) as boolean;
};

const refName = (ref: string): SchemaName => ref.slice('#/components/schemas/'.length) as SchemaName;
const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? SCHEMAS[refName(s.$ref)] : s);

// ---------------------------------------------------------------------------------------------------------
// Documents near a schema's rules
// ---------------------------------------------------------------------------------------------------------

/** Characters of every width: ASCII, Latin-1, BMP, an astral one (2 UTF-16 units), a control character. */
const char = fc.constantFrom('a', 'Z', '0', ':', '*', ' ', 'é', '中', '😀', '\u0000', '"');
const anyJson = fc.jsonValue({ maxDepth: 2 });
/**
 * `valid`: documents that follow every rule; `near`: a rule is kept 9 times in 10 and broken by one the
 * tenth time (and a value of another type turns up now and then).
 */
type Mode = 'valid' | 'near';
const keeps = (mode: Mode): fc.Arbitrary<boolean> => (mode === 'valid' ? fc.constant(true) : fc.nat(9).map((n) => n > 0));

function text(min: number, max: number, mode: Mode): fc.Arbitrary<string> {
  const short = fc.string({ unit: char, minLength: Math.max(0, min), maxLength: Math.max(min, Math.min(max, 12)) });
  // Characters are 1 or 2 UTF-16 units: cut to the limit (a cut may split a surrogate pair: still a string).
  if (mode === 'valid') return short.map((t) => t.slice(0, max).padEnd(min, 'p'));
  if (!Number.isFinite(max)) return fc.oneof(short, fc.string({ unit: char, minLength: 0, maxLength: 3 }));
  // At the limit and one past it (in UTF-16 units: an astral character may end one unit past it).
  const at = (n: number): fc.Arbitrary<string> => fc.string({ unit: char, minLength: 0, maxLength: 2 }).map((tail) => ('x'.repeat(Math.max(0, n - tail.length)) + tail).slice(0, n + 1));
  return fc.oneof({ weight: 6, arbitrary: short }, { weight: 1, arbitrary: at(max) }, { weight: 1, arbitrary: at(max + 1) }, { weight: 1, arbitrary: fc.constant('') });
}

function ofType(type: string, s: JsonSchema, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return text(s.minLength ?? 0, s.maxLength ?? Infinity, mode);
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53 - 1));
    case 'number':
      return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return array(s, depth, mode);
    case 'object':
      return object(s, depth, mode);
    default:
      throw new Error(`no generator for type ${type}`);
  }
}

function array(s: JsonSchema, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  const item = s.items ? near(s.items, depth - 1, mode) : anyJson;
  const min = s.minItems ?? 0;
  const max = s.maxItems ?? Infinity;
  const small = fc.array(item, { minLength: min, maxLength: Math.max(min, Math.min(max, depth > 0 ? 3 : 1)) });
  const counts = (mode === 'valid' ? [min, ...(Number.isFinite(max) ? [max] : [])] : [min - 1, ...(Number.isFinite(max) ? [max, max + 1] : [])]).filter((n) => n >= 0);
  // Item counts at the limits repeat one item (a hundred generated policies would be slow and say no more).
  const atLimits = fc.tuple(item, fc.constantFrom(...(counts.length > 0 ? counts : [0]))).map(([x, n]) => Array.from({ length: n }, () => x));
  return fc.oneof({ weight: 5, arbitrary: small }, { weight: 1, arbitrary: atLimits });
}

function object(s: JsonSchema, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  const keep = keeps(mode);
  const props = Object.entries(s.properties ?? {});
  const required = new Set(s.required ?? []);
  // Each known field: present (required ones nearly always), with a value near its schema.
  const fields = props.map(([k, sub]) =>
    fc
      .tuple(required.has(k) ? keep : fc.boolean(), depth > 0 || required.has(k) ? near(sub, depth - 1, mode) : mode === 'valid' ? near(sub, 0, mode) : anyJson)
      .map(([present, v]) => (present ? [[k, v] as const] : [])),
  );
  const extraValue = typeof s.additionalProperties === 'object' ? near(s.additionalProperties, depth - 1, mode) : anyJson;
  // In valid documents, unknown fields only where they are admitted (a known name would be generated twice).
  const extraKey =
    mode === 'valid'
      ? fc.string({ unit: char, minLength: 1, maxLength: 6 }).map((k) => `x-${k}`)
      : fc.oneof(fc.string({ unit: char, minLength: 1, maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString', ...props.map(([k]) => k)));
  // Unknown fields: rare where they are refused, common where a schema admits them.
  const extras = fc
    .array(fc.tuple(extraKey, extraValue), { maxLength: s.additionalProperties === false ? 1 : 3 })
    .chain((kv) => (s.additionalProperties === false ? keep.map((k) => (k ? [] : kv)) : fc.constant(kv)));
  // Now and then, as many keys as maxProperties admits (or one more).
  const maxProps = s.maxProperties;
  const crowd: fc.Arbitrary<number | null> = maxProps === undefined ? fc.constant(null) : fc.constantFrom(maxProps, mode === 'valid' ? maxProps : maxProps + 1);
  return fc.tuple(fc.tuple(...fields), extras, fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: crowd }), extraValue).map(([known, extra, total, filler]) => {
    // Own properties, "__proto__" included (as JSON.parse makes them).
    const out: Record<string, unknown> = {};
    for (const [k, v] of [...known.flat(), ...extra]) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (let i = 0; total !== null && Object.keys(out).length < total; i++) out[`k${i}`] = filler;
    return out;
  });
}

const cache = new Map<JsonSchema, Map<string, fc.Arbitrary<unknown>>>();

/** Documents for `schema` (see Mode), nested at most `depth` levels below required fields. */
function near(schema: JsonSchema, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  const key = `${mode}:${Math.max(depth, 0)}`;
  let byKey = cache.get(schema);
  if (!byKey) cache.set(schema, (byKey = new Map()));
  let arb = byKey.get(key);
  if (!arb) {
    arb = build(schema, Math.max(depth, 0), mode);
    byKey.set(key, arb);
  }
  return arb;
}

function build(schema: JsonSchema, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (s.$ref) return near(s, depth, mode);
  const valid = mode === 'valid';
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (s.allOf) {
    options.push(
      fc.tuple(...s.allOf.map((p) => near(p, depth, mode))).map((parts) => (parts.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p)) ? Object.assign({}, ...parts) : parts[0])),
    );
  } else if (s.anyOf || s.oneOf) {
    options.push(fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map((a) => near(a, depth, mode))));
  } else if (s.const !== undefined) {
    options.push(fc.constant(s.const), ...(valid ? [] : [fc.constant(s.const), fc.constant(`${String(s.const)}x`)]));
  } else if (s.enum) {
    options.push(fc.constantFrom(...s.enum), ...(valid ? [] : [fc.constantFrom(...s.enum), fc.constantFrom(...s.enum.map((v) => `${String(v)}_`), 'other')]));
  } else if (s.type !== undefined) {
    const types = typeof s.type === 'string' ? [s.type] : s.type;
    options.push(fc.oneof(...types.map((t) => ofType(t, s, depth, mode))));
  } else if (s.properties || s.required || s.additionalProperties !== undefined) {
    options.push(object(s, depth, mode));
  } else {
    return anyJson; // `{}`: anything
  }
  const follow = options.length === 1 ? (options[0] as fc.Arbitrary<unknown>) : fc.oneof(...options);
  // A value of some other type, now and then.
  return valid ? follow : fc.oneof({ weight: 12, arbitrary: follow }, { weight: 1, arbitrary: anyJson });
}

// ---------------------------------------------------------------------------------------------------------
// Blind mutations of a document
// ---------------------------------------------------------------------------------------------------------

type Mutation = { at: number; kind: 'replace' | 'drop' | 'add' | 'stretch' | 'repeat'; value: unknown; key: string; times: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'drop', 'add', 'stretch', 'repeat'),
  value: anyJson,
  key: fc.oneof(fc.string({ unit: char, minLength: 1, maxLength: 5 }), fc.constantFrom('id', 'type', 'action', 'document', 'policies', '__proto__')),
  times: fc.constantFrom(1, 2, 7, 64, 101, 1025, 2049),
});

/** A copy of `doc` with one node changed (the `at`-th, depth first): replaced, a key dropped or added, a string or array stretched. */
function mutate(doc: unknown, m: Mutation): unknown {
  let n = 0;
  let target = -1;
  const count = (v: unknown): void => {
    n++;
    if (Array.isArray(v)) v.forEach(count);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(count);
  };
  count(doc);
  target = m.at % n;
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (i++ === target) {
      switch (m.kind) {
        case 'replace':
          return m.value;
        case 'stretch':
          return typeof v === 'string' ? v + 'y'.repeat(m.times) : m.value;
        case 'repeat':
          return Array.isArray(v) && v.length > 0 ? [...v, ...Array.from({ length: m.times }, () => v[0])] : v;
        case 'drop':
        case 'add': {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return m.value;
          const out: Record<string, unknown> = {};
          const keys = Object.keys(v);
          for (const [k, x] of Object.entries(v))
            if (!(m.kind === 'drop' && k === keys[m.times % keys.length])) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
          if (m.kind === 'add') Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
          return out;
        }
      }
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return walk(doc);
}

// ---------------------------------------------------------------------------------------------------------

const NAMES = Object.keys(SCHEMAS) as SchemaName[];

describe('lib/schema/check.ts agrees with ajv (JSON Schema 2020-12) on every schema', () => {
  it('ajv reads every schema in strict mode (no keyword it would ignore)', () => {
    for (const name of NAMES) expect(() => oracle(name), name).not.toThrow();
  });

  it.each(NAMES)('%s: the same documents accepted and rejected', (name) => {
    const ajvAccepts = oracle(name);
    let accepted = 0;
    let rejected = 0;
    const agree = (doc: unknown): boolean => {
      const ours = checkSchema(name, doc) === null;
      if (ours) accepted++;
      else rejected++;
      return ours === ajvAccepts(doc);
    };
    const valid = near(SCHEMAS[name], 3, 'valid');
    const doc = near(SCHEMAS[name], 3, 'near');
    fc.assert(
      fc.property(valid, (d) => checkSchema(name, d) === null && agree(d)),
      { numRuns: RUNS / 3 },
    );
    fc.assert(
      fc.property(doc, (d) => agree(d)),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.oneof(valid, doc), mutation, (d, m) => agree(mutate(d, m))),
      { numRuns: RUNS },
    );
    // Not vacuous: both kinds of document were seen.
    expect(accepted, `${name}: documents accepted`).toBeGreaterThan(RUNS / 20);
    expect(rejected, `${name}: documents rejected`).toBeGreaterThan(RUNS / 20);
  });

  it('the examples of the schemas are accepted by both', () => {
    for (const name of NAMES) {
      for (const example of SCHEMAS[name].examples ?? []) {
        expect(checkSchema(name, example), name).toBeNull();
        expect(oracle(name)(example), name).toBe(true);
      }
    }
  });
});
