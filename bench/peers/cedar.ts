/**
 * Peer benchmark: Cedar (@cedar-policy/cedar-wasm, Apache-2.0, dev dependency) on a policy set equivalent
 * to a benchmark workload, timed warm with the parse-once API (`preparsePolicySet` + `statefulIsAuthorized`).
 *
 * Translation (every piece decides as our engine does on the benchmark workloads; `agreement` in the
 * result checks it request by request):
 * - An identity Allow/Deny statement becomes a `permit`/`forbid` over the actions our patterns cover
 *   (expanded over the IMS catalog with our glob semantics: case-insensitive, aliases included), written
 *   as an action group (`action in Action::"set-3"`, Cedar's idiom, the default) or as `action in [...]`
 *   (see CedarActionEncoding); `*` leaves the action unconstrained. Actions are
 *   `Action::"<canonical IMS name>"`.
 * - Resources are `Image` entities with a `urn` attribute (`"*"` for actions with no resource type, the way
 *   our engine requests them on `*`); resource patterns become `resource.urn like "..."` (OR-ed); a pattern
 *   made only of `*` leaves the resource unconstrained.
 * - Conditions become `when` clauses of the same shape over `context["<key>"]` (key names as our engine
 *   normalises them): string equals / like, Bool, IpAddress via `ip(..).isInRange(ip(..))`, Number*
 *   comparisons on Longs, ForAnyValue/ForAllValues over sets with containsAny/containsAll, negated
 *   operators, IfExists, and our missing-key rules through `context has "<key>"`. The request context
 *   carries the keys the policy set reads (typed: ip extension values, Longs, bools, string sets).
 * - SCP levels: Cedar has no layers, but "every level must allow" has an exact encoding: per level, one
 *   `forbid(principal, action, resource) unless { <Allow 1> || <Allow 2> || ... }` (the level's allow-list as
 *   a guard) plus one `forbid` per Deny statement of the level. So the decision is the same as ours
 *   (identity permit AND every level's allow-list AND no Deny anywhere).
 * Not covered (the translator throws): NotAction/NotResource, `?` in resource or StringMatch patterns
 * (Cedar `like` has only `*`), case-insensitive and StartWith/EndWith operators, Date operators, any
 * operator other than StringEquals over a multi-valued key. Not modelled: principal types and the
 * management-account exemption from SCPs (the workloads use neither).
 */
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { lookupAction } from '../../lib/catalog/catalog.js';
import type { EvaluateRequest } from '../../lib/types.js';
import type { Workload } from '../workloads.js';
import {
  actionName,
  expandActions,
  isAllStars,
  keyType,
  referencedKeys,
  requestContext,
  singleAction,
  statementsOf,
  summarize,
  timeSync,
  type OurCondition,
  type Outcome,
  type OurStatement,
  type PeerTiming,
} from './common.js';

type CedarValue = CedarWasm.CedarValueJson;
type CedarCall = Omit<CedarWasm.StatefulAuthorizationCall, 'preparsedPolicySetId'>;

/** A Cedar string literal (the workloads' strings are plain ASCII; control characters are refused). */
function str(s: string): string {
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new Error(`control character in ${JSON.stringify(s)}`);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A Cedar `like` pattern from one of our globs (`*` stays a wildcard). */
function likePattern(glob: string): string {
  if (glob.includes('?')) throw new Error(`"?" in ${glob}: Cedar like has no single-character wildcard`);
  return str(glob);
}

const or = (xs: string[]): string => (xs.length === 0 ? 'false' : xs.length === 1 ? (xs[0] as string) : `(${xs.join(' || ')})`);
const and = (xs: string[]): string => (xs.length === 0 ? 'true' : xs.length === 1 ? (xs[0] as string) : `(${xs.join(' && ')})`);

function integer(v: string): string {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`number ${v}: Cedar Longs are integers`);
  return String(n);
}

/** One of our conditions as a Cedar expression (see the header for what is covered). */
export function conditionExpr(c: OurCondition): string {
  const { info, qualifier, ifExists } = c.operator;
  const ref = `context[${str(c.key)}]`;
  const has = `context has ${str(c.key)}`;
  if (info.family === 'null') {
    const bools = c.values.map((v) => v.toLowerCase());
    const absentOk = bools.includes('true');
    const presentOk = bools.includes('false');
    return absentOk && presentOk ? 'true' : absentOk ? `!(${has})` : presentOk ? has : 'false';
  }
  let holds: string;
  if (keyType(c.key).multi) {
    if (info.comparison !== 'equals') throw new Error(`${info.name} on multi-valued ${c.key}: Cedar sets have no per-element ${info.comparison}`);
    const set = `[${c.values.map(str).join(', ')}]`;
    if (qualifier === 'ForAllValues') holds = info.negated ? `!(${ref}.containsAny(${set}))` : `${set}.containsAll(${ref})`;
    else holds = info.negated ? `!(${set}.containsAll(${ref}))` : `${ref}.containsAny(${set})`;
  } else {
    let positive: string[];
    switch (info.comparison) {
      case 'equals':
        positive = c.values.map((v) => `${ref} == ${str(v)}`);
        break;
      case 'match':
        positive = c.values.map((v) => `${ref} like ${likePattern(v)}`);
        break;
      case 'bool':
        positive = c.values.map((v) => `${ref} == ${v.toLowerCase() === 'true'}`);
        break;
      case 'ip':
        positive = c.values.map((v) => `${ref}.isInRange(ip(${str(v)}))`);
        break;
      case 'num_eq':
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        if (info.family !== 'numeric') throw new Error(`${info.name}: Date operators are not translated`);
        const sym = { num_eq: '==', lt: '<', lte: '<=', gt: '>', gte: '>=' }[info.comparison];
        positive = c.values.map((v) => `${ref} ${sym} ${integer(v)}`);
        break;
      }
      default:
        throw new Error(`${info.name}: no Cedar equivalent`);
    }
    holds = info.negated ? `!(${or(positive)})` : or(positive);
  }
  // Our engine on a missing key: IfExists and ForAllValues hold, ForAnyValue fails, else negated operators hold.
  const missingHolds = ifExists || qualifier === 'ForAllValues' || (qualifier !== 'ForAnyValue' && info.negated);
  return missingHolds ? `(!(${has}) || ${holds})` : `(${has} && ${holds})`;
}

interface StatementParts {
  /** `action == ...` / `action in ...`, or null when the statement covers every action. */
  action: string | null;
  /** Resource and condition conjuncts. */
  body: string[];
}

/**
 * How a statement's action set is written. `groups` (default): Cedar's own idiom, an action group per
 * distinct set (`action in Action::"set-3"`, each action entity passed with the groups it belongs to as
 * parents), `action == ...` for a single action. `list`: `action in [Action::"a", Action::"b", ...]`.
 * Both decide the same; `list` costs Cedar one entity comparison per element (about 1.5x the time on the
 * realistic set and the large set).
 */
export type CedarActionEncoding = 'groups' | 'list';

class ActionSets {
  private readonly groups = new Map<string, string>();
  /** Action name → the groups it is in. */
  readonly parents = new Map<string, string[]>();
  constructor(private readonly encoding: CedarActionEncoding) {}

  expr(names: string[]): string {
    if (names.length === 1) return `action == Action::${str(names[0] as string)}`;
    if (this.encoding === 'list') return `action in [${names.map((n) => `Action::${str(n)}`).join(', ')}]`;
    const key = names.join('\n');
    let group = this.groups.get(key);
    if (group === undefined) {
      group = `set-${this.groups.size}`;
      this.groups.set(key, group);
      for (const n of names) {
        const ps = this.parents.get(n);
        if (ps) ps.push(group);
        else this.parents.set(n, [group]);
      }
    }
    return `action in Action::${str(group)}`;
  }
}

/** Null when the statement covers no catalog action (it can never apply). */
function statementParts(st: OurStatement, sets: ActionSets): StatementParts | null {
  const acts = expandActions(st.actions);
  if (acts !== 'all' && acts.length === 0) return null;
  const action = acts === 'all' ? null : sets.expr(acts.map(actionName));
  const body: string[] = [];
  if (!st.resources.some(isAllStars)) body.push(or(st.resources.map((p) => `resource.urn like ${likePattern(p)}`)));
  for (const c of st.conditions) body.push(conditionExpr(c));
  return { action, body };
}

function policy(effect: 'permit' | 'forbid', parts: StatementParts, clause: 'when' | 'unless' = 'when'): string {
  const head = `${effect}(principal, ${parts.action ?? 'action'}, resource)`;
  return parts.body.length === 0 ? `${head};` : `${head} ${clause} { ${and(parts.body)} };`;
}

export interface CedarTranslation {
  /** The policy set: policy id (`identity/<policy>/<statement>`, `scp/<level>/...`) → Cedar text. */
  policies: Record<string, string>;
  /** The same, as one Cedar text (ids as `@id` annotations), for reading. */
  text: string;
  /** One authorization call per request (same order). */
  calls: CedarCall[];
  /** Ids of the SCP allow-list guards: a deny by these alone is implicit. */
  guards: Set<string>;
}

/** Cedar context: our request context, typed by our catalog's key types. */
function cedarContext(req: EvaluateRequest, keys: ReadonlySet<string>): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  for (const [key, raw] of requestContext(req, keys)) {
    if (raw === null) continue;
    const { type, multi } = keyType(key);
    const scalars = Array.isArray(raw) ? raw : [raw];
    if (multi) {
      out[key] = scalars.map(String);
      continue;
    }
    const v = scalars[0];
    if (v === undefined || scalars.length > 1) continue; // several values for a single-valued key: not in the workloads
    if (type === 'ip_address') out[key] = { __extn: { fn: 'ip', arg: String(v) } };
    else if (type === 'numeric') {
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isSafeInteger(n)) out[key] = n;
    } else if (type === 'boolean') {
      const b = typeof v === 'boolean' ? v : String(v).toLowerCase() === 'true' ? true : String(v).toLowerCase() === 'false' ? false : undefined;
      if (b !== undefined) out[key] = b;
    } else out[key] = String(v);
  }
  return out;
}

export function toCedar(w: Workload, requests: readonly EvaluateRequest[] = w.requests, encoding: CedarActionEncoding = 'groups'): CedarTranslation {
  const out: Record<string, string> = {};
  const sets = new ActionSets(encoding);
  const guards = new Set<string>();
  for (const p of w.policies) {
    statementsOf(p).forEach((st, i) => {
      const parts = statementParts(st, sets);
      if (parts) out[`identity/${p.id}/${i}`] = policy(st.effect === 'Allow' ? 'permit' : 'forbid', parts);
    });
  }
  for (const level of w.scps) {
    const allows: string[] = [];
    for (const p of level.policies) {
      statementsOf(p).forEach((st, i) => {
        const parts = statementParts(st, sets);
        if (!parts) return;
        if (st.effect === 'Deny') out[`scp/${level.level}/${p.id}/${i}`] = policy('forbid', parts);
        else allows.push(and(parts.action ? [parts.action, ...parts.body] : parts.body));
      });
    }
    // The level's allow-list as a guard: forbid whatever none of its Allow statements covers.
    const guard = `scp/${level.level}/allow-list`;
    guards.add(guard);
    out[guard] = policy('forbid', { action: null, body: [allows.length === 0 ? 'false' : or(allows)] }, 'unless');
  }
  const keys = referencedKeys([...w.policies, ...w.scps.flatMap((l) => l.policies)]);
  const calls = requests.map((req): CedarCall => {
    const idx = lookupAction(singleAction(req));
    if (idx.length !== 1) throw new Error(`action ${req.action}: not one catalog action`);
    const urn = req.resource ?? '*';
    const resource = { type: 'Image', id: urn };
    const action = { type: 'Action', id: actionName(idx[0] as number) };
    const p = req.principal ?? {};
    const entities: CedarWasm.EntityJson[] = [{ uid: resource, attrs: { urn }, parents: [] }];
    const groups = sets.parents.get(action.id);
    if (groups) entities.push({ uid: action, attrs: {}, parents: groups.map((id) => ({ type: 'Action', id })) });
    return {
      principal: { type: 'User', id: `${p.account_id ?? ''}/${p.user_name ?? p.user_id ?? ''}` },
      action,
      resource,
      context: cedarContext(req, keys),
      entities,
    };
  });
  const text = Object.entries(out)
    .map(([id, p]) => `@id(${str(id)})\n${p}`)
    .join('\n');
  return { policies: out, text, calls, guards };
}

/**
 * Warm per-decision time of Cedar on the workload's first `requests` requests (default all). `expected` is
 * our engine's outcome on the same requests (for the agreement figure). The policy set is parsed once
 * (`preparsePolicySet`); each decision is one `statefulIsAuthorized` call with the request's principal,
 * action, resource entity and context, as a Cedar user would make it.
 */
export async function measureCedar(
  w: Workload,
  expected: readonly Outcome[],
  requests: number = w.requests.length,
  encoding: CedarActionEncoding = 'groups',
  warmup = Math.min(2000, requests),
): Promise<PeerTiming> {
  const cedar: typeof CedarWasm = await import('@cedar-policy/cedar-wasm/nodejs');
  const t = toCedar(w, w.requests.slice(0, requests), encoding);
  const id = `ims-authz-bench/${w.name}/${encoding}`; // re-preparsing an id replaces the cached set
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: t.policies });
  if (parsed.type !== 'success') throw new Error(`Cedar refused the translated policy set: ${parsed.errors.map((e) => e.message).join('; ')}`);
  const calls: CedarWasm.StatefulAuthorizationCall[] = t.calls.map((c) => ({ ...c, preparsedPolicySetId: id }));
  const decide = (call: CedarWasm.StatefulAuthorizationCall): Outcome => {
    const answer = cedar.statefulIsAuthorized(call);
    if (answer.type !== 'success') throw new Error(`Cedar: ${answer.errors.map((e) => e.message).join('; ')}`);
    const { decision, diagnostics } = answer.response;
    // Every condition is guarded by `has`: an evaluation error means the translation is wrong.
    if (diagnostics.errors.length > 0) throw new Error(`Cedar policy error: ${JSON.stringify(diagnostics.errors[0])}`);
    if (decision === 'allow') return 'allow';
    return diagnostics.reason.some((id) => !t.guards.has(id)) ? 'explicit_deny' : 'implicit_deny';
  };
  const samples = timeSync(decide, calls, warmup);
  const subset = requests < w.requests.length ? `, first ${requests} of ${w.requests.length} requests` : '';
  return summarize(samples, expected, `${Object.keys(t.policies).length} Cedar policies, actions as ${encoding}${subset}`);
}
