/**
 * A small validator for the JSON Schema subset used in schemas.ts (type, properties, required,
 * additionalProperties, items, min/max items/length/properties, enum, const, anyOf/oneOf/allOf, $ref).
 * Each schema is compiled once into a function; a conforming value costs no allocation, and the first
 * problem is reported with the offending field.
 *
 * A checker is built explicitly over the schemas it may check (`schemaChecker(REQUEST_SCHEMAS)`): its
 * `$ref`s resolve in that set and nowhere else, so what a module can check is what it imports (and what its
 * bundle carries), not what some other module registered before it. test/schema-oracle.test.ts checks it
 * against ajv on documents generated from every schema.
 */
import type { JsonSchema, SchemaName, SchemaSet, SchemaType } from './core.js';

export interface SchemaProblem {
  /** Dotted field path, e.g. `principal.type` or `policies[0].id` (empty for the body itself). */
  field: string;
  message: string;
}

interface Problem {
  path: Array<string | number>;
  /** Built only when the problem is reported (failed alternatives of anyOf are discarded unread). */
  message: () => string;
  /** The value is of a type the schema does not admit (an alternative that says this says nothing more). */
  type?: true;
}
type Validator = (v: unknown) => Problem | null;

/** The JSON type of a value; every number is a "number" (an integer is one). */
function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** A value as a message shows it: a string (its first 64 characters) quoted, anything else by its type. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 64)) : article(typeOf(v));
}

const oneOf = (values: readonly unknown[]): string => `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;

function article(t: string): string {
  return t === 'null' ? 'null' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** The schemas a checker resolves references in, and its compiled references. */
interface Context {
  schemas: SchemaSet;
  refs: Map<string, Validator>;
}

/** A schema, or the one its `$ref` names in the checker's set (names come from the code, never from input). */
function resolve(s: JsonSchema, cx: Context): JsonSchema {
  if (!s.$ref) return s;
  const r = cx.schemas[s.$ref.slice('#/components/schemas/'.length) as SchemaName];
  if (!r) throw new Error(`${s.$ref} is not in the checker's schemas`);
  return r;
}

function describe(s: JsonSchema, cx: Context): string {
  const r = resolve(s, cx);
  if (r.const !== undefined) return JSON.stringify(r.const);
  if (r.enum) return oneOf(r.enum);
  if (r.anyOf || r.oneOf) return (r.anyOf ?? r.oneOf)!.map((a) => describe(a, cx)).join(' or ');
  const t = typeof r.type === 'string' ? r.type : r.type?.join(' or ');
  return t ? article(t) : 'a value';
}

/** One JSON type, tested without computing the value's type name. */
const TYPE_TESTS: Record<string, ((v: unknown) => boolean) | undefined> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  null: (v) => v === null,
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
};

const problem = (message: () => string): Problem => ({ path: [], message });
const typeProblem = (message: () => string): Problem => ({ path: [], message, type: true });
const within = (p: Problem | null, key: string | number): Problem | null => {
  if (p) p.path.unshift(key);
  return p;
};

/**
 * An object property whose const / enum values tell the alternatives of an anyOf apart (GrantScope's
 * `type`), and each alternative's values of it.
 */
function discriminator(alts: readonly JsonSchema[], cx: Context): { key: string; tags: Array<readonly unknown[]> } | undefined {
  const objects = alts.map((a) => resolve(a, cx));
  const tagsOf = (k: string): Array<readonly unknown[] | undefined> =>
    objects.map((o) => {
      const p = o.properties?.[k];
      return p?.const !== undefined ? [p.const] : p?.enum;
    });
  const key = Object.keys(objects[0]?.properties ?? {}).find((k) => tagsOf(k).every((t) => t !== undefined));
  return key === undefined ? undefined : { key, tags: tagsOf(key) as Array<readonly unknown[]> };
}

function compile(schema: JsonSchema, cx: Context): Validator {
  if (schema.$ref) {
    const ref = schema.$ref;
    // Late-bound so recursive references work; resolved once per checker.
    let fn: Validator | undefined;
    return (v) => {
      if (!fn) {
        fn = cx.refs.get(ref);
        if (!fn) cx.refs.set(ref, (fn = compile(resolve(schema, cx), cx)));
      }
      return fn(v);
    };
  }
  const checks: Validator[] = [];
  const s = schema;
  if (s.allOf) {
    const subs = s.allOf.map((a) => compile(a, cx));
    checks.push((v) => {
      for (const f of subs) {
        const p = f(v);
        if (p) return p;
      }
      return null;
    });
  }
  if (s.anyOf || s.oneOf) {
    const alts = (s.anyOf ?? s.oneOf) as readonly JsonSchema[];
    const subs = alts.map((a) => compile(a, cx));
    const expected = alts.map((a) => describe(a, cx)).join(' or ');
    // Alternatives that differ by JSON type (string | number | boolean ...): pick the one by type at once.
    const byType = new Map<string, Validator>();
    const simple = alts.every((a, i) => {
      const r = resolve(a, cx);
      if (typeof r.type !== 'string' || byType.has(r.type)) return false;
      byType.set(r.type, subs[i] as Validator);
      return true;
    });
    if (simple) {
      const forString = byType.get('string');
      const forNumber = byType.get('number');
      const forInteger = byType.get('integer') ?? forNumber;
      const forBoolean = byType.get('boolean');
      const wrongType = (v: unknown): Problem => typeProblem(() => `must be ${expected}, not ${article(typeOf(v))}`);
      checks.push((v) => {
        let f: Validator | undefined;
        if (typeof v === 'string') f = forString;
        else if (typeof v === 'boolean') f = forBoolean;
        else if (typeof v === 'number') f = Number.isInteger(v) ? forInteger : forNumber;
        else f = byType.get(typeOf(v));
        return f ? f(v) : wrongType(v);
      });
    } else {
      // An alternative that fails on the value's type says nothing about it; one that admits the type gives
      // its own reason (a string too long is "at most N characters", not "must be a string or ..."). A
      // discriminating property (GrantScope's `type`) picks the alternative outright.
      const disc = discriminator(alts, cx);
      checks.push((v) => {
        if (disc && typeOf(v) === 'object' && Object.prototype.hasOwnProperty.call(v, disc.key)) {
          const tag = (v as Record<string, unknown>)[disc.key];
          const i = disc.tags.findIndex((t) => t.includes(tag));
          return i >= 0
            ? (subs[i] as Validator)(v)
            : within(
                problem(() => `must be ${oneOf(disc.tags.flat())}, not ${shown(tag)}`),
                disc.key,
              );
        }
        let best: Problem | null = null;
        for (const f of subs) {
          const p = f(v);
          if (!p) return null;
          // Of the alternatives that admit the type, the one that got furthest into the value explains best.
          if (!(p.type && p.path.length === 0) && (!best || p.path.length > best.path.length)) best = p;
        }
        return best ?? typeProblem(() => `must be ${expected}, not ${article(typeOf(v))}`);
      });
    }
  }
  if (s.const !== undefined) {
    const c = s.const;
    checks.push((v) => (v === c ? null : problem(() => `must be ${JSON.stringify(c)}, not ${shown(v)}`)));
  }
  if (s.enum) {
    const values = s.enum;
    checks.push((v) => (values.includes(v as string) ? null : problem(() => `must be ${oneOf(values)}, not ${shown(v)}`)));
  }
  if (s.type) {
    const types: readonly SchemaType[] = typeof s.type === 'string' ? [s.type] : s.type;
    const single = types.length === 1 ? (types[0] as string) : null;
    const expected = (): string => types.map(article).join(' or ');
    const is = single === null ? null : TYPE_TESTS[single];
    checks.push(
      is
        ? (v) => (is(v) ? null : typeProblem(() => `must be ${expected()}, not ${single === 'integer' && typeof v === 'number' ? v : article(typeOf(v))}`))
        : (v) => {
            const t = typeOf(v);
            for (const x of types) if (x === t || (x === 'integer' && Number.isInteger(v))) return null;
            return typeProblem(() => `must be ${expected()}, not ${article(t)}`);
          },
    );
  }
  if (s.minLength !== undefined || s.maxLength !== undefined) {
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? Infinity;
    checks.push((v) => {
      if (typeof v !== 'string') return null;
      if (v.length < min) return problem(() => (v.length === 0 ? `must not be empty${min > 1 ? ` (at least ${min} characters)` : ''}` : `must have at least ${min} characters (has ${v.length})`));
      if (v.length > max) return problem(() => `must have at most ${max} characters (has ${v.length})`);
      return null;
    });
  }
  // Infinity and NaN are no JSON numbers (a library caller can still pass them). Where the type excludes
  // numbers, the type check already refuses them.
  const types = s.type === undefined ? null : typeof s.type === 'string' ? [s.type] : s.type;
  if (types === null || types.includes('number') || types.includes('integer')) {
    checks.push((v) => (typeof v === 'number' && !Number.isFinite(v) ? problem(() => 'must be a finite number') : null));
  }
  if (s.minItems !== undefined || s.maxItems !== undefined || s.items) {
    const min = s.minItems ?? 0;
    const max = s.maxItems ?? Infinity;
    const item = s.items ? compile(s.items, cx) : null;
    checks.push((v) => {
      if (!Array.isArray(v)) return null;
      if (v.length < min) return problem(() => `must have at least ${min} item${min > 1 ? 's' : ''} (has ${v.length})`);
      if (v.length > max) return problem(() => `must have at most ${max} items (has ${v.length})`);
      if (item) {
        for (let i = 0; i < v.length; i++) {
          const p = item(v[i]);
          if (p) return within(p, i);
        }
      }
      return null;
    });
  }
  if (s.properties || s.additionalProperties !== undefined || s.required || s.maxProperties !== undefined) {
    const props = new Map(Object.entries(s.properties ?? {}).map(([k, sub]) => [k, compile(sub, cx)]));
    const required = s.required ?? [];
    const extra = s.additionalProperties === false ? false : typeof s.additionalProperties === 'object' ? compile(s.additionalProperties, cx) : true;
    const maxProps = s.maxProperties ?? Infinity;
    checks.push((v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
      const obj = v as Record<string, unknown>;
      for (const r of required)
        if (!Object.prototype.hasOwnProperty.call(obj, r) || obj[r] === undefined)
          return within(
            problem(() => 'is required'),
            r,
          );
      // Own enumerable keys, "__proto__" included when it is an own key (JSON.parse makes it one).
      const keys = Object.keys(obj);
      if (keys.length > maxProps) return problem(() => `must have at most ${maxProps} keys (has ${keys.length})`);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const f = props.get(k);
        if (f) {
          const p = f(obj[k]);
          if (p) return within(p, k);
        } else if (extra === false)
          return within(
            problem(() => 'is not a known field'),
            k,
          );
        else if (extra !== true) {
          const p = extra(obj[k]);
          if (p) return within(p, k);
        }
      }
      return null;
    });
  }
  if (checks.length === 1) return checks[0] as Validator;
  if (checks.length === 2) {
    const [a, b] = checks as [Validator, Validator];
    return (v) => a(v) ?? b(v);
  }
  if (checks.length === 3) {
    const [a, b, c] = checks as [Validator, Validator, Validator];
    return (v) => a(v) ?? b(v) ?? c(v);
  }
  return (v) => {
    for (let i = 0; i < checks.length; i++) {
      const p = (checks[i] as Validator)(v);
      if (p) return p;
    }
    return null;
  };
}

function fieldOf(path: Array<string | number>): string {
  let out = '';
  for (const k of path) out = typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${k}` : k;
  return out;
}

/** Checks values against the schemas of one set, by name. */
export interface SchemaChecker<N extends SchemaName> {
  /** Validates a value against a named schema: null when it conforms, else the first problem. */
  check(name: N, value: unknown): SchemaProblem | null;
}

/**
 * A checker over `schemas` (references resolve in that set). Building it costs nothing: each schema is
 * compiled on its first check, once.
 */
export function schemaChecker<S extends SchemaSet>(schemas: S): SchemaChecker<keyof S & SchemaName> {
  const cx: Context = { schemas, refs: new Map() };
  const validators = new Map<SchemaName, Validator>();
  return {
    check(name, value) {
      let fn = validators.get(name);
      if (!fn) {
        fn = compile(resolve({ $ref: `#/components/schemas/${name}` }, cx), cx);
        validators.set(name, fn);
      }
      const p = fn(value);
      return p ? { field: fieldOf(p.path), message: p.message() } : null;
    },
  };
}

export function problemMessage(p: SchemaProblem, what = 'The request'): string {
  return p.field ? `"${p.field}" ${p.message}.` : `${what} ${p.message}.`;
}
