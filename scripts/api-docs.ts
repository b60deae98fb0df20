/**
 * Generates the reference part of docs/http-api.md from the route table and the schemas (the same data the
 * OpenAPI document is made of), and its curl tour from scripts/api-tour.ts. Only the text between the
 * `<!-- generated:... -->` markers is written; the rest of the page is prose. test/api-docs.test.ts fails
 * when the page differs from what this prints, so the page cannot drift from the API.
 *
 *   npx tsx scripts/api-docs.ts          rewrite docs/http-api.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type RouteDef, type RouteKey } from '../functions/shared/routes.js';
import type { JsonSchema, SchemaName } from '../lib/schema/core.js';
import { SCHEMAS } from '../lib/schema/schemas.js';
import { TOUR, TOUR_TOKENS, type TourStep } from './api-tour.js';

export const PAGE = new URL('../docs/http-api.md', import.meta.url);

/** Every documented route, in the route table's order. */
export function documentedRoutes(): Array<{ key: RouteKey; fn: string; def: RouteDef }> {
  return FUNCTIONS.flatMap((f) => (Object.entries(f.routes ?? {}) as Array<[RouteKey, RouteDef]>).filter(([, def]) => def.documented !== false).map(([key, def]) => ({ key, fn: f.name, def })));
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A schema as a short type: `string (1-64)`, `Principal`, `"user" | "agency"`, `string[] (≤100)`. */
function typeOf(s: JsonSchema): string {
  if (s.$ref) return s.$ref.replace('#/components/schemas/', '');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf ?? []).map(typeOf).join(' or ');
  const type: string = typeof s.type === 'string' ? s.type : s.type ? s.type.join(' or ') : 'any';
  if (type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]${s.maxItems !== undefined ? ` (at most ${s.maxItems})` : ''}`;
  if (type === 'string' && s.maxLength !== undefined) return `string (${s.minLength ?? 0}-${s.maxLength})`;
  return type;
}

function fieldTable(name: SchemaName): string[] {
  const schema = SCHEMAS[name];
  if (!schema.properties) return [`\`${name}\`: ${typeOf(schema)}${schema.description ? `. ${schema.description}` : ''}`];
  const required = new Set(schema.required ?? []);
  return [
    ...(schema.description ? [schema.description, ''] : []),
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...Object.entries(schema.properties).map(([field, s]) => `| \`${field}\` | ${cell(typeOf(s))} | ${required.has(field) ? 'yes' : ''} | ${cell(s.description ?? '')} |`),
  ];
}

const AUTH_TEXT: Record<string, string> = { public: 'none (public)', authenticated: 'any valid token for this API', ims: 'the IMS API authorizer' };

/** The reference: one section per documented route, with its auth, body fields and reply schema. */
export function renderReference(): string {
  const out: string[] = [];
  const bodies = new Set<SchemaName>();
  for (const { key, def } of documentedRoutes()) {
    out.push(`### \`${key}\``, '', `${def.summary}.`, '');
    out.push(
      `Auth: ${AUTH_TEXT[def.auth] ?? `scope \`${def.auth}\``}.${def.request ? ` Body: [\`${def.request}\`](#${def.request.toLowerCase()}).` : ''}${def.response ? ` Reply: \`${def.response}\` (OpenAPI document).` : ''}`,
      '',
    );
    const query = Object.entries(def.query ?? {});
    if (query.length > 0) {
      out.push('| query parameter | type | |', '|---|---|---|');
      for (const [name, q] of query) out.push(`| \`${name}\`${q.required ? ' (required)' : ''} | ${q.enum ? q.enum.map((v) => `\`${v}\``).join(', ') : q.type} | ${q.description} |`);
      out.push('');
    }
    if (def.request) bodies.add(def.request);
  }
  out.push('### Bodies', '');
  for (const name of bodies) out.push(`#### ${name}`, '', ...fieldTable(name), '');
  return out.join('\n').trimEnd();
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** A JSON body in single quotes, with `$VAR` left to the shell. */
const shellJson = (body: unknown): string => sq(JSON.stringify(body)).replace(/\$([A-Z_]+)/g, `'"$$$1"'`);

export function curlLine(step: TourStep): string {
  const [method] = step.route.split(' ') as [string];
  const parts = ['curl -s'];
  if (method !== 'GET') parts.push(`-X ${method}`);
  parts.push(`"$API${step.path}"`);
  if (step.token) parts.push(`-H "authorization: Bearer $${step.token}"`);
  for (const [k, v] of Object.entries(step.headers ?? {})) parts.push(`-H ${sq(`${k}: ${v}`)}`);
  if (step.body !== undefined) parts.push(`-H 'content-type: application/json' -d ${shellJson(step.body)}`);
  const line = parts.join(' ');
  return step.capture ? `${step.capture.name}=$(${line} | jq -r ${step.capture.field})` : line;
}

/** The tour as one shell session. */
export function renderTour(): string {
  const mint = (Object.entries(TOUR_TOKENS) as Array<[string, string]>).map(([v, account]) => `${v}=$(node --import tsx infra/local/token.ts ${account})`);
  const lines = ['```sh', 'API=http://127.0.0.1:4000', ...mint, ''];
  for (const step of TOUR) lines.push(`# ${step.title}: ${step.status}`, curlLine(step), '');
  lines.pop();
  lines.push('```');
  return lines.join('\n');
}

function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- generated:${marker} -->`;
  const end = `<!-- /generated:${marker} -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1 || b < a) throw new Error(`docs/http-api.md lacks the markers ${start} ... ${end}`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

/** The page with its generated parts rendered from the current route table, schemas and tour. */
export function renderPage(current: string): string {
  return replaceBetween(replaceBetween(current, 'tour', renderTour()), 'reference', renderReference());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = readFileSync(PAGE, 'utf8');
  writeFileSync(PAGE, renderPage(current));
  process.stdout.write('docs/http-api.md written\n');
}
