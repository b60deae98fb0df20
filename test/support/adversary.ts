/**
 * The adversary: fast-check generators of requests that stay inside every documented limit (64 KiB bodies,
 * 6,144 / 5,120 characters per policy, the request schema's counts and lengths) and are shaped to make the
 * engine work: wildcard families against Resource lists with `?` (coverage), NotResource Denies
 * (coverage the other way), Denies of fixed-length `?` patterns (intersection), long resources against
 * patterns with long literal and `?` parts (matching), wildcard conditions against long context values,
 * explain over many statements, and policy texts for the validator (many actions, unknown names, deep
 * nesting, long keys, duplicates). Every shape is a record of integer knobs, so fast-check shrinks a slow
 * request to a small one that is still slow.
 *
 * `runProbe` runs one request in-process and returns the steps it took (lib/steps.ts: deterministic, the
 * quantity the tests bound) and its CPU time (reported only). test/adversary.test.ts runs the search in
 * `npm test` (fixed seed, a few seconds) and longer on demand (`npm run adversary`); bench/worst.ts runs
 * its findings, and the hand-written worst cases below, through the library and the HTTP handlers.
 */
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import type { HttpEvent } from '../../functions/shared/http.js';
import { catalog } from '../../lib/catalog/catalog.js';
import { evaluate, explain } from '../../lib/engine/engine.js';
import { work } from '../../lib/steps.js';
import { validate } from '../../lib/validate/validate.js';
import { httpEvent, lambdaContext } from './events.js';

export type Route = 'evaluate' | 'explain' | 'validate';

export interface Probe {
  /** Which shape made it, and its knobs (for the report). */
  label: string;
  route: Route;
  /** The HTTP body of the route (evaluate/explain: an EvaluateRequest; validate: a ValidateRequest). */
  body: Record<string, unknown>;
}

export const BODY_LIMIT = 64 * 1024;
const POLICY_LIMIT = 6144;
const SCP_LIMIT = 5120;
const REGION = 'cn-north-4';
const ACCOUNT = 'acc-1';
const IMAGE = `ims:${REGION}:${ACCOUNT}:image:`;

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');
const minified = (v: unknown): number => JSON.stringify(v).length;

/** The longest prefix of `items` (at least one) for which `fits` holds (binary search: `fits` is monotone). */
function longestFitting<T>(items: T[], fits: (n: number) => boolean): number {
  if (fits(items.length)) return items.length;
  let lo = 1;
  let hi = items.length;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Drops trailing statements until the document fits the policy size limit (never below one). */
function fitPolicy(statements: Array<Record<string, unknown>>, limit = POLICY_LIMIT): Record<string, unknown> {
  const n = longestFitting(statements, (k) => minified({ Version: '5.0', Statement: statements.slice(0, k) }) <= limit);
  return { Version: '5.0', Statement: statements.slice(0, n) };
}

/** Drops trailing resources, then context values, then policies, until the body fits 64 KiB. */
function fitBody(body: Record<string, unknown>): Record<string, unknown> {
  for (const field of ['resources', 'policies'] as const) {
    const list = body[field] as unknown[] | undefined;
    if (!list || bytes(body) <= BODY_LIMIT) continue;
    const all = list.slice();
    const n = longestFitting(all, (k) => bytes({ ...body, [field]: all.slice(0, k) }) <= BODY_LIMIT);
    body[field] = all.slice(0, n);
  }
  const ctx = body.context as Record<string, unknown> | undefined;
  if (ctx && bytes(body) > BODY_LIMIT) {
    for (const key of Object.keys(ctx).reverse()) {
      const v = ctx[key];
      if (!Array.isArray(v)) continue;
      const all = v.slice();
      const n = longestFitting(all, (k) => bytes({ ...body, context: { ...ctx, [key]: all.slice(0, k) } }) <= BODY_LIMIT);
      ctx[key] = all.slice(0, n);
      if (bytes(body) <= BODY_LIMIT) break;
    }
  }
  return body;
}

/** A string of tokens (each token a short string) of at most `max` characters. */
const tokens = (alphabet: readonly string[], maxCount: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...alphabet), { maxLength: maxCount }).map((t) => t.join(''));

const repeat = (s: string, n: number): string => s.repeat(Math.max(0, n));

// ------------------------------------------------------------------------------------------------------
// Shapes of evaluate / explain requests.

/** Allow statements with `?`-heavy Resource patterns against wildcard resources (the issue's shape and its relatives). */
const coverShape = fc
  .record({
    statements: fc.integer({ min: 1, max: 80 }),
    perStatement: fc.integer({ min: 1, max: 6 }),
    q: fc.integer({ min: 0, max: 200 }),
    style: fc.constantFrom('issue', 'tokens', 'sat', 'prefix'),
    body: tokens(['*', '?', 'a', 'x', '#', '??', '*a', 'a?', '?*'], 40),
    familyStars: fc.integer({ min: 0, max: 200 }),
    familyPiece: fc.constantFrom('*a', '*#', '*', 'a*?', '*x'),
    resources: fc.integer({ min: 1, max: 100 }),
    distinct: fc.integer({ min: 1, max: 100 }),
    effect: fc.constantFrom('Allow', 'Deny'),
    not: fc.boolean(),
    actions: fc.constantFrom('ims:images:get', 'ims:*:*', 'ims:images:*'),
    explain: fc.boolean(),
  })
  .map((k): Probe => {
    const pattern = (i: number, j: number): string => {
      switch (k.style) {
        case 'issue':
          return `ims:*:*:image:*${repeat('?', k.q)}*x${i}_${j}`;
        case 'sat':
          // Clause-like patterns: runs between '#' are empty, non-empty or free (docs/limits.md, coverage of several patterns).
          return `${IMAGE}${Array.from({ length: 1 + ((i + j) % 12) }, (_, v) => ['', '?*', '*'][(i * 7 + j * 3 + v) % 3]).join('#')}`;
        case 'prefix':
          return `${IMAGE}${repeat('?', (k.q + i) % 64)}${k.body}*`;
        default:
          return `ims:*:*:image:${k.body}${repeat('?', k.q % 40)}${i}`;
      }
    };
    const statements = Array.from({ length: k.statements }, (_, i) => ({
      Effect: k.effect,
      Action: 'ims:images:get',
      [k.not ? 'NotResource' : 'Resource']: Array.from({ length: k.perStatement }, (_, j) => pattern(i, j)),
    }));
    const family = (d: number): string =>
      k.style === 'sat' ? `${IMAGE}${repeat('*#', Math.min(k.familyStars, 60))}*${d === 0 ? '' : `#${d}`}` : `${IMAGE}${repeat(k.familyPiece, k.familyStars)}*${d === 0 ? '' : d}`;
    const resources = Array.from({ length: k.resources }, (_, i) => family(i % k.distinct));
    const body = fitBody({ actions: [k.actions], resources, policies: [{ id: 'p', document: fitPolicy(statements) }] });
    return { label: `cover ${JSON.stringify({ ...k, body: k.body.length })}`, route: k.explain ? 'explain' : 'evaluate', body };
  });

/** Long resources against patterns with long literal parts (indexOf's worst case) and `?` parts (bit-parallel scans). */
const urnShape = fc
  .record({
    statements: fc.integer({ min: 1, max: 60 }),
    perStatement: fc.integer({ min: 1, max: 10 }),
    literal: fc.integer({ min: 0, max: 3000 }),
    q: fc.integer({ min: 0, max: 3000 }),
    chunks: fc.integer({ min: 1, max: 200 }),
    style: fc.constantFrom('literal', 'question', 'many'),
    urnLength: fc.integer({ min: 30, max: 2000 }),
    resources: fc.integer({ min: 1, max: 100 }),
    actions: fc.constantFrom('ims:images:get', 'ims:*:*', 'ims:images:*'),
    policies: fc.integer({ min: 1, max: 12 }),
    explain: fc.boolean(),
  })
  .map((k): Probe => {
    const half = Math.floor(k.literal / 2);
    const pattern = (i: number): string => {
      if (k.style === 'literal') return `ims:*:*:image:*${repeat('a', half)}b${repeat('a', half)}*${i}`;
      if (k.style === 'question') return `ims:*:*:image:*${repeat('a?', Math.floor(k.q / 2))}b*${i}`;
      return `ims:*:*:image:${repeat('*a', k.chunks)}*b${i}`;
    };
    const policies = Array.from({ length: k.policies }, (_, p) => ({
      id: `p${p}`,
      document: fitPolicy(
        Array.from({ length: k.statements }, (_, s) => ({
          Effect: s % 2 ? 'Deny' : 'Allow',
          Action: 'ims:images:get',
          Resource: Array.from({ length: k.perStatement }, (_, j) => pattern(p * 1000 + s * 10 + j)),
        })),
      ),
    }));
    const resources = Array.from({ length: k.resources }, (_, i) => `${IMAGE}${repeat('a', k.urnLength)}${i}`);
    const body = fitBody({ actions: [k.actions], resources, policies });
    return { label: `urn ${JSON.stringify(k)}`, route: k.explain ? 'explain' : 'evaluate', body };
  });

/** Wildcard conditions with `?` against long context values; many statements carrying them (explain's output). */
const conditionShape = fc
  .record({
    statements: fc.integer({ min: 1, max: 200 }),
    patterns: fc.integer({ min: 1, max: 40 }),
    q: fc.integer({ min: 0, max: 2000 }),
    values: fc.integer({ min: 1, max: 100 }),
    valueLength: fc.integer({ min: 1, max: 2048 }),
    operator: fc.constantFrom('StringMatch', 'ForAllValues:StringMatch', 'ForAnyValue:StringNotMatch', 'StringEquals', 'DateLessThan', 'IpAddress', 'NumberEquals'),
    explain: fc.boolean(),
  })
  .map((k): Probe => {
    const patternValue = (i: number): string =>
      k.operator.includes('Match')
        ? `*${repeat('a?', Math.floor(k.q / 2))}b${i}*`
        : k.operator === 'DateLessThan'
          ? '2026-01-01T00:00:00.' + repeat('9', k.q) + 'Z'
          : k.operator === 'IpAddress'
            ? '10.0.0.0/8'
            : `${i}${repeat('0', k.q % 300)}`;
    const statements = Array.from({ length: k.statements }, (_, s) => ({
      Effect: 'Allow',
      Action: 'ims:images:get',
      Resource: '*',
      Condition: { [k.operator]: { 'g:UserName': Array.from({ length: k.patterns }, (_, i) => patternValue(s * 100 + i)) } },
    }));
    const value = (i: number): string =>
      k.operator === 'DateLessThan'
        ? '2025-01-01T00:00:00.' + repeat('1', k.valueLength - 21) + 'Z'
        : k.operator === 'IpAddress'
          ? repeat('1', k.valueLength)
          : repeat('a', k.valueLength - 1) + (i % 10);
    const body = fitBody({
      action: 'ims:images:get',
      resource: `${IMAGE}img-1`,
      context: { 'g:UserName': Array.from({ length: k.values }, (_, i) => value(i)) },
      policies: [{ id: 'p', document: fitPolicy(statements) }],
    });
    return { label: `condition ${JSON.stringify(k)}`, route: k.explain ? 'explain' : 'evaluate', body };
  });

/** Many policies and statements: the statement checks, compilation and explain's trace. */
const breadthShape = fc
  .record({
    policies: fc.integer({ min: 1, max: 50 }),
    statements: fc.integer({ min: 1, max: 120 }),
    actions: fc.constantFrom('ims:*:*', 'ims:images:get', '*', 'ims:images:*'),
    action: fc.constantFrom('ims:*', '*', 'ims:images:get', 'ims:*:get*'),
    resources: fc.integer({ min: 1, max: 100 }),
    scps: fc.integer({ min: 0, max: 7 }),
    explain: fc.boolean(),
    api: fc.boolean(),
  })
  .map((k): Probe => {
    const statements = Array.from({ length: k.statements }, (_, s) => ({
      Effect: s % 3 ? 'Allow' : 'Deny',
      Action: k.action,
      Resource: s % 2 ? '*' : [`ims:*:*:image:i${s}*`, `ims:*:*:image:?${s}`],
    }));
    const doc = fitPolicy(statements);
    const scpDoc = fitPolicy(
      statements.map((s) => ({ ...s, Effect: 'Deny' })),
      SCP_LIMIT,
    );
    const body: Record<string, unknown> = {
      principal: { account_id: ACCOUNT, user_id: 'u-1' },
      region: REGION,
      policies: Array.from({ length: k.policies }, (_, i) => ({ id: `p${i}`, document: doc })),
      scps: Array.from({ length: k.scps }, (_, l) => ({ level: `ou-${l}`, policies: [{ id: `s${l}`, document: scpDoc }] })),
    };
    if (k.api) body.api = { method: 'POST', path: k.statements % 2 ? '/v1/cloudimages/wholeimages/action' : `/v1/cloudimages/img-${k.statements}/copy` };
    else {
      body.actions = [k.actions];
      body.resources = Array.from({ length: k.resources }, (_, i) => (i % 2 ? `${IMAGE}img-${i}` : `${IMAGE}img-${i}*`));
    }
    return { label: `breadth ${JSON.stringify(k)}`, route: k.explain ? 'explain' : 'evaluate', body: fitBody(body) };
  });

// ------------------------------------------------------------------------------------------------------
// Three-valued evaluation (`unknown_context_keys`): the same decisions with keys the caller cannot supply.
// Allows that only may apply do not stop a layer's walk, a pair that is `context_required` lists the keys
// its undecided statements depend on, and every distinct key is looked up among the request's prefixes.

/** A condition key of the unknown-key shapes: a tag key of `length` characters, distinct per (policy, statement, key). */
const tagKey = (length: number, p: number, s: number, j: number): string => `g:ResourceTag/${repeat('k', length)}${p}_${s}_${j}`;

/** Lists of unknown keys: every key, key families, many long prefixes near the keys (binary search), exact names. */
const unknownList = fc
  .record({ style: fc.constantFrom('all', 'families', 'prefixes', 'exact'), count: fc.integer({ min: 1, max: 100 }), length: fc.integer({ min: 0, max: 240 }) })
  .map((k): { label: string; list: string[] } => {
    const list =
      k.style === 'all'
        ? ['*']
        : k.style === 'families'
          ? ['g:ResourceTag/*', 'ims:*', 'g:Enterprise*', 'g:RequestTag/*'].slice(0, 1 + (k.count % 4))
          : Array.from({ length: k.count }, (_, i) => (k.style === 'prefixes' ? `g:ResourceTag/${repeat('k', k.length)}${i}*` : tagKey(k.length, i % 10, Math.floor(i / 10), 0)));
    return { label: JSON.stringify({ ...k, entries: list.length }), list };
  });

/** Any evaluate / explain shape, half the time with unknown keys (the three-valued path decides it). */
const withUnknown = (shape: fc.Arbitrary<Probe>): fc.Arbitrary<Probe> =>
  fc
    .tuple(shape, fc.option(unknownList, { freq: 2 }))
    .map(([p, u]): Probe => (u === null ? p : { label: `${p.label} unknown ${u.label}`, route: p.route, body: fitBody({ ...p.body, unknown_context_keys: u.list }) }));

/** Statements conditioned on many distinct (long) keys, most of them unknown: every statement may apply, every key decides. */
const unknownShape = fc
  .record({
    policies: fc.integer({ min: 1, max: 50 }),
    statements: fc.integer({ min: 1, max: 80 }),
    keys: fc.integer({ min: 1, max: 40 }),
    keyLength: fc.integer({ min: 0, max: 240 }),
    effect: fc.constantFrom('Allow', 'Deny', 'mixed'),
    operator: fc.constantFrom('StringEquals', 'StringMatch', 'ForAllValues:StringMatch', 'StringNotEquals', 'Null'),
    action: fc.constantFrom('ims:*:*', 'ims:images:get', 'ims:images:*'),
    actions: fc.constantFrom('ims:images:get', 'ims:images:*', 'ims:*:*'),
    resources: fc.integer({ min: 1, max: 100 }),
    known: fc.integer({ min: 0, max: 100 }),
    unknown: unknownList,
    scps: fc.integer({ min: 0, max: 7 }),
    explain: fc.boolean(),
  })
  .map((k): Probe => {
    const value = k.operator === 'Null' ? 'false' : k.operator.includes('Match') ? '*v?' : 'v';
    const statements = (p: number, effect: (s: number) => string) =>
      Array.from({ length: k.statements }, (_, s) => ({
        Effect: effect(s),
        Action: k.action,
        Resource: '*',
        Condition: { [k.operator]: Object.fromEntries(Array.from({ length: k.keys }, (_, j) => [tagKey(k.keyLength, p, s, j), value])) },
      }));
    const effect = (s: number): string => (k.effect === 'mixed' ? (s % 2 ? 'Deny' : 'Allow') : k.effect);
    // Keys given in `context` are known (unless an exact entry names them: then only the unnamed ones).
    const exact = new Set(k.unknown.list);
    const context: Record<string, string> = {};
    for (let i = 0, n = 0; n < k.known && i < k.policies * k.statements; i++) {
      const key = tagKey(k.keyLength, i % k.policies, Math.floor(i / k.policies) % k.statements, 0);
      if (exact.has(key)) continue;
      context[key] = 'v';
      n++;
    }
    const body = fitBody({
      actions: [k.actions],
      resources: Array.from({ length: k.resources }, (_, i) => `${IMAGE}img-${i}`),
      principal: { account_id: ACCOUNT, user_id: 'u-1' },
      region: REGION,
      context,
      unknown_context_keys: k.unknown.list,
      policies: Array.from({ length: k.policies }, (_, p) => ({ id: `p${p}`, document: fitPolicy(statements(p, effect)) })),
      scps: Array.from({ length: k.scps }, (_, l) => ({
        level: `ou-${l}`,
        policies: [
          {
            id: `s${l}`,
            document: fitPolicy(
              statements(100 + l, () => 'Allow'),
              SCP_LIMIT,
            ),
          },
        ],
      })),
    });
    return { label: `unknown ${JSON.stringify({ ...k, unknown: k.unknown.label })}`, route: k.explain ? 'explain' : 'evaluate', body };
  });

// ------------------------------------------------------------------------------------------------------
// Shapes of validate requests (the document as text keeps spans: the slower path).

const validateShape = fc
  .record({
    style: fc.constantFrom('unknown-actions', 'wildcard-actions', 'foreign-actions', 'resources', 'conditions', 'sids', 'deep', 'duplicates', 'long-names', 'mixed'),
    count: fc.integer({ min: 1, max: 8000 }),
    length: fc.integer({ min: 1, max: 3000 }),
    size: fc.constantFrom(POLICY_LIMIT, 4 * POLICY_LIMIT, 60_000),
    scp: fc.boolean(),
    pretty: fc.boolean(),
  })
  .map((k): Probe => {
    const n = k.count;
    const budget = k.size;
    const list = (make: (i: number) => string): string[] => {
      const out: string[] = [];
      let total = 80;
      for (let i = 0; i < n && total < budget; i++) {
        const s = make(i);
        out.push(s);
        total += s.length + 3;
      }
      return out;
    };
    let document: unknown;
    let text: string | undefined;
    switch (k.style) {
      case 'unknown-actions':
        document = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: list((i) => `ims:images:delet${repeat('e', i % 7)}${i}`), Resource: '*' }] };
        break;
      case 'wildcard-actions':
        document = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: list((i) => `ims:*${repeat('?', i % 9)}${i % 3 ? '*' : 'x'}`), Resource: '*' }] };
        break;
      case 'foreign-actions':
        document = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: list((i) => `ecs:servers:*${i}`), Resource: '*' }] };
        break;
      case 'resources':
        document = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: 'ims:images:get', Resource: list((i) => `ims:*:*:im${repeat('?', i % 5)}*:${repeat('a', k.length % 200)}${i}`) }] };
        break;
      case 'conditions':
        document = {
          Version: '5.0',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'ims:*',
              Resource: '*',
              Condition: { StringMatch: Object.fromEntries(list((i) => `g:Us${repeat('e', i % 5)}rNam${i}`).map((key) => [key, repeat('a?', k.length % 50)])) },
            },
          ],
        };
        break;
      case 'sids':
        document = { Version: '5.0', Statement: list((i) => `s${i % 5}`).map((sid) => ({ Sid: sid, Effect: 'Allow', Action: 'ims:images:get' })) };
        break;
      case 'long-names':
        document = {
          Version: '5.0',
          Statement: [
            {
              Effect: 'Allow',
              Action: [`ims:images:${repeat('g', Math.min(budget - 100, k.length * 20))}`],
              Resource: '*',
              Condition: { [`StringMatch${repeat('x', k.length)}`]: { [`g:${repeat('U', k.length)}`]: 'a' } },
            },
          ],
        };
        break;
      case 'deep': {
        const key = repeat('k', Math.min(budget / 2, k.length * 10));
        const inner = `[${Array.from({ length: Math.max(1, Math.min(n, Math.floor((budget - key.length) / 2.2))) }, () => '1').join(',')}]`;
        text = `{"${key}":${repeat('[', 60)}${inner}${repeat(']', 60)}}`;
        break;
      }
      case 'duplicates':
        text = `{"Version":"5.0","Statement":[{"Effect":"Allow","Action":"ims:images:get",${list(() => '"Resource":"*"').join(',')}}]}`;
        break;
      default:
        document = {
          Version: '5.0',
          Statement: list((i) => String(i)).map((i) => ({
            Sid: `x${i}`,
            Effect: 'Allow',
            Actions: [`ims:images:gett${i}`],
            Resource: [`ims:*:*:imag:${i}`],
            Condition: { StringEqualz: { 'g:UserNam': i } },
          })),
        };
    }
    const docText = text ?? JSON.stringify(document, null, k.pretty ? 1 : 0);
    let body: Record<string, unknown> = { policy: docText, type: k.scp ? 'scp' : 'identity' };
    // The body must fit 64 KiB: shorten the text (a truncated document is still a request to answer).
    while (bytes(body) > BODY_LIMIT) body = { ...body, policy: (body.policy as string).slice(0, Math.floor((body.policy as string).length * 0.9)) };
    return { label: `validate ${JSON.stringify(k)}`, route: 'validate', body };
  });

export const adversarialProbe: fc.Arbitrary<Probe> = fc.oneof(withUnknown(coverShape), withUnknown(urnShape), withUnknown(conditionShape), withUnknown(breadthShape), unknownShape, validateShape);

// ------------------------------------------------------------------------------------------------------
// Hand-written worst cases (bench/worst.ts runs them next to the generator's findings).

/** The reproduction of issue 12 item 2: 43 Allow statements (44 do not fit 6,144 characters) and 25 copies of a 21-star family. */
export function issueReproduction(statements = 43): Record<string, unknown> {
  const Statement = Array.from({ length: statements }, (_, i) => ({ Effect: 'Allow', Action: 'ims:images:get', Resource: `ims:*:*:image:*${repeat('?', 64)}*x${i}` }));
  return {
    action: 'ims:images:get',
    resources: Array.from({ length: 25 }, () => `${IMAGE}${repeat('*a', 20)}*`),
    policies: [{ id: 'p', document: { Version: '5.0', Statement } }],
  };
}

export function handWritten(): Probe[] {
  const issue = issueReproduction();
  const distinctFamilies = { ...issue, resources: Array.from({ length: 100 }, (_, i) => `${IMAGE}${repeat('*a', 20)}*${i}`) };
  const sat = {
    action: 'ims:images:get',
    resources: [`${IMAGE}${repeat('*#', 30)}*`],
    policies: [
      {
        id: 'p',
        document: fitPolicy(
          Array.from({ length: 60 }, (_, i) => ({
            Effect: 'Allow',
            Action: 'ims:images:get',
            Resource: Array.from({ length: 4 }, (_, j) => `${IMAGE}${Array.from({ length: 31 }, (_, v) => ['', '?*', '*'][(i * 5 + j * 3 + v * 7) % 3]).join('#')}`),
          })),
        ),
      },
    ],
  };
  const notResource = {
    action: 'ims:images:get',
    resources: [`${IMAGE}${repeat('*a', 40)}*`],
    policies: [
      {
        id: 'p',
        document: fitPolicy(
          Array.from({ length: 40 }, (_, i) => ({ Effect: 'Deny', Action: 'ims:images:get', NotResource: [`ims:*:*:image:*${repeat('?', 48)}*x${i}`, `ims:*:*:image:${repeat('?', 30)}*`] })),
        ),
      },
    ],
  };
  const indexOfWorst = {
    actions: ['ims:*:*'],
    resources: Array.from({ length: 20 }, (_, i) => `${IMAGE}${repeat('a', 2000)}${i}`),
    policies: [
      { id: 'p', document: fitPolicy(Array.from({ length: 3 }, (_, i) => ({ Effect: 'Allow', Action: 'ims:*:*', Resource: `ims:*:*:image:*${repeat('a', 900)}b${repeat('a', 900)}*${i}` }))) },
    ],
  };
  const longQuestion = {
    actions: ['ims:*:*'],
    resources: Array.from({ length: 30 }, (_, i) => `${IMAGE}${repeat('a', 2000)}${i}`),
    policies: [{ id: 'p', document: fitPolicy([{ Effect: 'Allow', Action: 'ims:*:*', Resource: `ims:*:*:image:*${repeat('a?', 2900)}b*` }]) }],
  };
  // Every statement applies to every pair, so each pair lists them all in `matched` (the results' size).
  const denies = (policies: number, sid: number) => ({
    action: 'ims:images:get',
    resources: Array.from({ length: 100 }, (_, i) => `${IMAGE}img-${i}`),
    policies: Array.from({ length: policies }, (_, k) => ({
      id: `policy-${k}`,
      document: fitPolicy(Array.from({ length: 400 }, (_, i) => ({ Sid: `s${i}${repeat('x', sid)}`, Effect: 'Deny', Action: ['ims:images:get'] }))),
    })),
  });
  const deepText = `{"${repeat('k', 30_000)}":${repeat('[', 60)}[${Array.from({ length: 14_000 }, () => '1').join(',')}]${repeat(']', 60)}}`;
  const actions = (make: (i: number) => string, size: number): string[] => {
    const out: string[] = [];
    for (let i = 0, total = 80; total < size; i++) {
      out.push(make(i));
      total += make(i).length + 3;
    }
    return out;
  };
  // Three-valued: Allows on many unknown keys each (every pair lists every key it depends on), and 100
  // prefixes of 256 characters near 261 keys (each key a binary search among them).
  // The actions that carry g:ResourceTag (a tag key another action does not carry is ignored for it, not unknown).
  const tagged = catalog.actions.filter((a) => a.kind === 'action' && a.condition_keys.some((k) => k.startsWith('g:ResourceTag/'))).map((a) => a.name);
  const requiredKeys = (resources: number) => ({
    actions: tagged,
    resources: Array.from({ length: resources }, (_, i) => `${IMAGE}img-${i}`),
    unknown_context_keys: ['*'],
    policies: Array.from({ length: 9 }, (_, p) => ({
      id: `p${p}`,
      document: fitPolicy(
        Array.from({ length: 20 }, (_, s) => ({
          Effect: 'Allow',
          Action: 'ims:*:*',
          Resource: '*',
          Condition: { StringEquals: Object.fromEntries(Array.from({ length: 20 }, (_, j) => [tagKey(230, p, s, j), 'v'])) },
        })).slice(0, 1),
      ),
    })),
  });
  const nearPrefixes = {
    action: 'ims:images:get',
    resources: Array.from({ length: 100 }, (_, i) => `${IMAGE}img-${i}`),
    unknown_context_keys: Array.from({ length: 100 }, (_, i) => `g:ResourceTag/${repeat('k', 100)}${repeat('0', 130)}${i}*`),
    policies: Array.from({ length: 9 }, (_, p) => ({
      id: `p${p}`,
      document: fitPolicy(Array.from({ length: 40 }, (_, s) => ({ Effect: 'Allow', Action: 'ims:images:get', Resource: '*', Condition: { StringEquals: { [tagKey(100, p, s, 0)]: 'v' } } }))),
    })),
  };
  const unknownText = JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: actions((i) => `ims:images:delet${i}`, 4 * POLICY_LIMIT), Resource: '*' }] }, null, 1);
  return [
    { label: 'issue 12 reproduction (evaluate)', route: 'evaluate', body: issue },
    { label: 'issue 12 reproduction (explain)', route: 'explain', body: issue },
    { label: 'issue 12 shape, 100 distinct families', route: 'evaluate', body: fitBody(distinctFamilies) },
    { label: 'several patterns covering together (clause-like)', route: 'evaluate', body: sat },
    { label: 'NotResource Deny with ? patterns', route: 'evaluate', body: notResource },
    { label: 'long literal parts (indexOf worst case)', route: 'evaluate', body: fitBody(indexOfWorst) },
    { label: 'long ? parts against long resources', route: 'explain', body: fitBody(longQuestion) },
    { label: 'matched lists: 100 resources x 200 applying Denies', route: 'evaluate', body: denies(2, 1) },
    { label: 'matched lists: 100 resources x 500 applying Denies (over the reply limit)', route: 'evaluate', body: denies(5, 1) },
    { label: 'matched lists: long Sids', route: 'evaluate', body: denies(1, 60) },
    { label: 'issue 12 reproduction, three-valued (unknown_context_keys *)', route: 'evaluate', body: { ...issue, unknown_context_keys: ['*'] } },
    { label: 'issue 12 reproduction, three-valued (explain)', route: 'explain', body: { ...issue, unknown_context_keys: ['*'] } },
    {
      label: 'three-valued: 9 Allows on 20 unknown keys each, 100 resources of the tagged actions (a 12 MB reply, 160 ms, before the keys were counted)',
      route: 'evaluate',
      body: fitBody(requiredKeys(100)),
    },
    { label: 'three-valued: the same with 15 resources (answered)', route: 'evaluate', body: fitBody(requiredKeys(15)) },
    { label: 'three-valued: 100 prefixes of 256 characters near 261 condition keys', route: 'explain', body: fitBody(nearPrefixes) },
    { label: 'validate: deep nesting under a long key', route: 'validate', body: { policy: deepText.slice(0, 60_000) } },
    { label: 'validate: 4x oversized policy of unknown actions', route: 'validate', body: { policy: unknownText.slice(0, 60_000) } },
  ];
}

// ------------------------------------------------------------------------------------------------------

export interface ProbeRun {
  steps: number;
  /** CPU time of the call in milliseconds (user + system; reported, never asserted). */
  cpuMs: number;
  /** Characters of the reply's JSON. */
  replyChars: number;
  /** The answer's error code, or its decision / validity. */
  outcome: string;
}

/** Runs one probe in-process through the library (the reply is serialized, as the functions do). */
export function runProbe(p: Probe): ProbeRun {
  const before = work.steps;
  const cpu = process.cpuUsage();
  let outcome: string;
  let reply: string;
  if (p.route === 'validate') {
    const r = validate(p.body.policy as string, { type: p.body.type === 'scp' ? 'scp' : 'identity' });
    reply = JSON.stringify(r);
    outcome = r.valid ? 'valid' : `invalid (${r.findings.length} findings)`;
  } else {
    const r = p.route === 'evaluate' ? evaluate(p.body) : explain(p.body);
    reply = JSON.stringify(r);
    outcome = 'error' in r ? r.error.code : r.decision;
  }
  const used = process.cpuUsage(cpu);
  return { steps: work.steps - before, cpuMs: (used.user + used.system) / 1000, replyChars: reply.length, outcome };
}

type Handler = (event: HttpEvent, context: Context) => Promise<unknown>;

/**
 * Runs one probe through its HTTP function in-process (API Gateway v2 event, token check, body limit,
 * schema, engine, reply). The caller sets AUTH_JWT_SECRET and passes a token with the route's scope.
 */
export async function runProbeHandler(p: Probe, handlers: Record<Route, Handler>, token: string): Promise<ProbeRun & { status: number }> {
  const event = httpEvent('POST', `/v1/${p.route}`, p.body, { authorization: `Bearer ${token}` });
  const before = work.steps;
  const cpu = process.cpuUsage();
  const r = (await handlers[p.route](event, lambdaContext)) as { statusCode: number; body?: string };
  const used = process.cpuUsage(cpu);
  const json = r.body ? (JSON.parse(r.body) as { error?: { code: string }; decision?: string; valid?: boolean }) : {};
  const outcome = json.error?.code ?? json.decision ?? (json.valid === undefined ? '' : json.valid ? 'valid' : 'invalid');
  return { steps: work.steps - before, cpuMs: (used.user + used.system) / 1000, replyChars: r.body?.length ?? 0, outcome, status: r.statusCode };
}
