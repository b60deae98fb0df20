/**
 * A small validator for the JSON Schema subset used in schemas.ts (type, properties, required,
 * additionalProperties, items, min/max items/length/properties, enum, const, anyOf/oneOf/allOf, $ref).
 * Each schema is compiled once into a function; a conforming value costs no allocation, and the first
 * problem is reported with the offending field.
 */
import type { JsonSchema, SchemaName } from './core.js';
import { REQUEST_SCHEMAS } from './requests.js';

/**
 * The schemas this process can check, by name. The request schemas are always there; the stored-model
 * bodies and the replies are added by the modules that use them (so a bundle carries only what it checks).
 */
const registry: Partial<Record<SchemaName, JsonSchema>> = { ...REQUEST_SCHEMAS };

export function registerSchemas(schemas: Partial<Record<SchemaName, JsonSchema>>): void {
  Object.assign(registry, schemas);
}

function named(name: SchemaName): JsonSchema {
  const s = registry[name];
  if (!s) throw new Error(`schema ${name} is not registered (import its module and call registerSchemas)`);
  return s;
}

export interface SchemaProblem {
  /** Dotted field path, e.g. `principal.type` or `policies[0].id` (empty for the body itself). */
  field: string;
  message: string;
}

interface Problem {
  path: Array<string | number>;
  /** Built only when the problem is reported (failed alternatives of anyOf are discarded unread). */
  message: () => string;
}
type Validator = (v: unknown) => Problem | null;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function article(t: string): string {
  return t === 'null' ? 'null' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function resolve(s: JsonSchema): JsonSchema {
  return s.$ref ? named(s.$ref.slice('#/components/schemas/'.length) as SchemaName) : s;
}

function describe(s: JsonSchema): string {
  const r = resolve(s);
  if (r.enum) return `one of ${r.enum.map((x) => JSON.stringify(x)).join(', ')}`;
  if (r.anyOf || r.oneOf) return (r.anyOf ?? r.oneOf)!.map(describe).join(' or ');
  const t = Array.isArray(r.type) ? r.type.join(' or ') : r.type;
  return t ? article(t) : 'a value';
}

const problem = (message: () => string): Problem => ({ path: [], message });
const within = (p: Problem | null, key: string | number): Problem | null => {
  if (p) p.path.unshift(key);
  return p;
};

const compiledRefs = new Map<string, Validator>();

function compile(schema: JsonSchema): Validator {
  if (schema.$ref) {
    const ref = schema.$ref;
    // Late-bound so recursive references work.
    return (v) => {
      let fn = compiledRefs.get(ref);
      if (!fn) {
        fn = compile(resolve(schema));
        compiledRefs.set(ref, fn);
      }
      return fn(v);
    };
  }
  const checks: Validator[] = [];
  const s = schema;
  if (s.allOf) {
    const subs = s.allOf.map(compile);
    checks.push((v) => {
      for (const f of subs) {
        const p = f(v);
        if (p) return p;
      }
      return null;
    });
  }
  if (s.anyOf || s.oneOf) {
    const alts = (s.anyOf ?? s.oneOf) as JsonSchema[];
    const subs = alts.map(compile);
    const expected = alts.map(describe).join(' or ');
    // Alternatives that differ by JSON type (string | number | boolean ...): pick the one by type at once.
    const byType = new Map<string, Validator>();
    const simple = alts.every((a, i) => {
      const r = resolve(a);
      if (typeof r.type !== 'string' || byType.has(r.type)) return false;
      byType.set(r.type, subs[i] as Validator);
      return true;
    });
    if (simple) {
      checks.push((v) => {
        const t = typeOf(v);
        const f = byType.get(t) ?? (t === 'integer' ? byType.get('number') : undefined);
        return f ? f(v) : problem(() => `must be ${expected}, not ${article(t)}`);
      });
    } else checks.push((v) => {
      let deeper: Problem | null = null;
      for (const f of subs) {
        const p = f(v);
        if (!p) return null;
        if (p.path.length > 0 && !deeper) deeper = p;
      }
      // The alternative that got further into the value explains best; else the union of expectations.
      return deeper ?? problem(() => `must be ${expected}, not ${article(typeOf(v))}`);
    });
  }
  if (s.const !== undefined) {
    const c = s.const;
    checks.push((v) => (v === c ? null : problem(() => `must be ${JSON.stringify(c)}`)));
  }
  if (s.enum) {
    const values = s.enum;
    checks.push((v) =>
      values.includes(v as string)
        ? null
        : problem(() => `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, not ${typeof v === 'string' ? JSON.stringify(v.slice(0, 64)) : article(typeOf(v))}`),
    );
  }
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    checks.push((v) => {
      const t = typeOf(v);
      for (const x of types) if (x === t || (x === 'number' && t === 'integer')) return null;
      return problem(() => `must be ${types.map(article).join(' or ')}, not ${article(t)}`);
    });
  }
  if (s.minLength !== undefined || s.maxLength !== undefined) {
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? Infinity;
    checks.push((v) => {
      if (typeof v !== 'string') return null;
      if (v.length < min) return problem(() => (min === 1 ? 'must not be empty' : `must have at least ${min} characters`));
      if (v.length > max) return problem(() => `must have at most ${max} characters (has ${v.length})`);
      return null;
    });
  }
  checks.push((v) => (typeof v === 'number' && !Number.isFinite(v) ? problem(() => 'must be a finite number') : null));
  if (s.minItems !== undefined || s.maxItems !== undefined || s.items) {
    const min = s.minItems ?? 0;
    const max = s.maxItems ?? Infinity;
    const item = s.items ? compile(s.items) : null;
    checks.push((v) => {
      if (!Array.isArray(v)) return null;
      if (v.length < min) return problem(() => `must have at least ${min} item${min > 1 ? 's' : ''}`);
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
    const props = new Map(Object.entries(s.properties ?? {}).map(([k, sub]) => [k, compile(sub)]));
    const required = s.required ?? [];
    const extra = s.additionalProperties === false ? false : typeof s.additionalProperties === 'object' ? compile(s.additionalProperties) : true;
    const maxProps = s.maxProperties ?? Infinity;
    checks.push((v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
      const obj = v as Record<string, unknown>;
      for (const r of required) if (!Object.prototype.hasOwnProperty.call(obj, r) || obj[r] === undefined) return within(problem(() => 'is required'), r);
      let count = 0;
      for (const k in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
        if (++count > maxProps) return problem(() => `must have at most ${maxProps} keys`);
        const f = props.get(k);
        if (f) {
          const p = f(obj[k]);
          if (p) return within(p, k);
        } else if (extra === false) return within(problem(() => 'is not a known field'), k);
        else if (extra !== true) {
          const p = extra(obj[k]);
          if (p) return within(p, k);
        }
      }
      // An own "__proto__" key is not enumerated by for..in on some engines: check it explicitly.
      if (extra === false && Object.prototype.hasOwnProperty.call(obj, '__proto__') && !props.has('__proto__')) return within(problem(() => 'is not a known field'), '__proto__');
      return null;
    });
  }
  if (checks.length === 1) return checks[0] as Validator;
  return (v) => {
    for (let i = 0; i < checks.length; i++) {
      const p = (checks[i] as Validator)(v);
      if (p) return p;
    }
    return null;
  };
}

const validators = new Map<SchemaName, Validator>();

function fieldOf(path: Array<string | number>): string {
  let out = '';
  for (const k of path) out = typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${k}` : k;
  return out;
}

/** Validates a value against a named schema: null when it conforms, else the first problem. */
export function checkSchema(name: SchemaName, value: unknown): SchemaProblem | null {
  let fn = validators.get(name);
  if (!fn) {
    fn = compile(named(name));
    validators.set(name, fn);
  }
  const p = fn(value);
  return p ? { field: fieldOf(p.path), message: p.message() } : null;
}

export function problemMessage(p: SchemaProblem, what = 'The request'): string {
  return p.field ? `"${p.field}" ${p.message}.` : `${what} ${p.message}.`;
}
