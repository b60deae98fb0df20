/**
 * A small validator for the JSON Schema subset used in schemas.ts (type, properties, required,
 * additionalProperties, items, min/max items/length/properties, enum, const, anyOf/oneOf/allOf, $ref).
 * It returns the first problem as a readable message with the offending field, or null.
 */
import { SCHEMAS, type JsonSchema, type SchemaName } from './schemas.js';

export interface SchemaProblem {
  /** Dotted field path, e.g. `principal.type` or `policies[0].id` (empty for the body itself). */
  field: string;
  message: string;
}

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
  if (s.$ref) {
    const name = s.$ref.slice('#/components/schemas/'.length) as SchemaName;
    return SCHEMAS[name];
  }
  return s;
}

function describe(s: JsonSchema): string {
  const r = resolve(s);
  if (r.enum) return `one of ${r.enum.map((x) => JSON.stringify(x)).join(', ')}`;
  if (r.anyOf || r.oneOf) return (r.anyOf ?? r.oneOf)!.map(describe).join(' or ');
  const t = Array.isArray(r.type) ? r.type.join(' or ') : r.type;
  return t ? article(t) : 'a value';
}

const join = (base: string, key: string | number): string => (typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key);

function check(value: unknown, schema: JsonSchema, field: string, depth: number): SchemaProblem | null {
  if (depth > 32) return { field, message: 'is nested too deeply' };
  const s = resolve(schema);
  if (s.allOf) {
    for (const sub of s.allOf) {
      const p = check(value, sub, field, depth + 1);
      if (p) return p;
    }
  }
  if (s.anyOf || s.oneOf) {
    const alts = (s.anyOf ?? s.oneOf) as JsonSchema[];
    const problems = alts.map((a) => check(value, a, field, depth + 1));
    if (problems.every((p) => p !== null)) {
      // Report the deepest problem when one alternative got further (same field prefix), else the union.
      const deeper = problems.find((p) => p && p.field !== field);
      return deeper ?? { field, message: `must be ${alts.map(describe).join(' or ')}, not ${article(typeOf(value))}` };
    }
  }
  if (s.const !== undefined && value !== s.const) return { field, message: `must be ${JSON.stringify(s.const)}` };
  if (s.enum && !s.enum.includes(value as string)) {
    return { field, message: `must be one of ${s.enum.map((x) => JSON.stringify(x)).join(', ')}, not ${typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : article(typeOf(value))}` };
  }
  if (s.type) {
    const t = typeOf(value);
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const ok = types.some((x) => x === t || (x === 'number' && t === 'integer'));
    if (!ok) return { field, message: `must be ${types.map(article).join(' or ')}, not ${article(t)}` };
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) return { field, message: s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters` };
    if (s.maxLength !== undefined && value.length > s.maxLength) return { field, message: `must have at most ${s.maxLength} characters (has ${value.length})` };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { field, message: 'must be a finite number' };
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return { field, message: `must have at least ${s.minItems} item${s.minItems > 1 ? 's' : ''}` };
    if (s.maxItems !== undefined && value.length > s.maxItems) return { field, message: `must have at most ${s.maxItems} items (has ${value.length})` };
    if (s.items) {
      for (let i = 0; i < value.length; i++) {
        const p = check(value[i], s.items, join(field, i), depth + 1);
        if (p) return p;
      }
    }
  }
  if (typeOf(value) === 'object' && (s.properties || s.additionalProperties !== undefined || s.required || s.maxProperties !== undefined)) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) return { field, message: `must have at most ${s.maxProperties} keys (has ${keys.length})` };
    for (const r of s.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(obj, r) || obj[r] === undefined) return { field: join(field, r), message: 'is required' };
    }
    for (const k of keys) {
      const prop = s.properties && Object.prototype.hasOwnProperty.call(s.properties, k) ? s.properties[k] : undefined;
      if (prop) {
        const p = check(obj[k], prop, join(field, k), depth + 1);
        if (p) return p;
      } else if (s.additionalProperties === false) {
        return { field: join(field, k), message: 'is not a known field' };
      } else if (typeof s.additionalProperties === 'object') {
        const p = check(obj[k], s.additionalProperties, join(field, k), depth + 1);
        if (p) return p;
      }
    }
  }
  return null;
}

/** Validates a value against a named schema: null when it conforms, else the first problem. */
export function checkSchema(name: SchemaName, value: unknown): SchemaProblem | null {
  return check(value, SCHEMAS[name], '', 0);
}

export function problemMessage(p: SchemaProblem, what = 'The request'): string {
  return p.field ? `"${p.field}" ${p.message}.` : `${what} ${p.message}.`;
}
