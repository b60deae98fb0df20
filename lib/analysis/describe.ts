/**
 * Regions as findings: each region (a set of requests of one group) is cut into cubes (the decision
 * diagram's paths), and each cube is written as the action, its resources, the requirements on each key and
 * request field, the principal classes, the statements that allow it and what refuses it, and a witness
 * request (a point of the cube) that the engine's public `evaluate` has re-decided.
 */
import { actionAt } from '../catalog/catalog.js';
import type { CompiledLayer, CompiledStatement } from './engine.js';
import type { EvaluateRequest } from '../types.js';
import type { Group, GroupVar } from './group.js';
import { FALSE, type Cube } from './mdd.js';
import { FIELD_LABEL, PRINCIPAL_CLASS_TEXT, type Field } from './space.js';
import { coverTerms } from './terms.js';
import type { ConditionRef, KeyRequirement, PrincipalClass, Refusal, RegionCondition, ResourceTerm, StatementRef, ValueTerm } from './types.js';

export interface RegionPart {
  cube: Cube;
  /** The cube as a set of the group's diagram. */
  node: number;
  resources: ResourceTerm[];
  condition: RegionCondition;
  principals: PrincipalClass[];
}

/**
 * The region as few large cubes: the diagram's paths (disjoint, many), each widened variable by variable
 * as long as it stays inside the region, keeping only those not covered by the ones already kept. The
 * cubes may overlap; their union is the region.
 */
function primeCubes(group: Group, region: number, paths: readonly Cube[], impossible: number): Cube[] {
  const m = group.mdd;
  const kept: Cube[] = [];
  // Combinations no URN has may be covered too (they hold no request).
  const bound = m.or(region, impossible);
  let covered = FALSE;
  for (const path of paths) {
    if (m.andNot(m.andNot(m.cube(path), impossible), covered) === FALSE) continue;
    const cube = path.map((s) => (s ? Uint8Array.from(s) : null));
    for (let v = 0; v < cube.length; v++) {
      const set = cube[v];
      if (!set) continue;
      cube[v] = null;
      if (m.andNot(m.cube(cube), bound) === FALSE) continue;
      cube[v] = set;
      if (set.length <= 2) continue;
      for (let i = 0; i < set.length; i++) {
        if (set[i] === 1) continue;
        set[i] = 1;
        if (m.andNot(m.cube(cube), bound) !== FALSE) set[i] = 0;
      }
    }
    kept.push(cube);
    covered = m.or(covered, m.cube(cube));
  }
  return kept;
}

/** The cubes of a region, described. */
export function describeRegion(group: Group, region: number, limit: number): { parts: RegionPart[]; truncated: boolean } {
  const m = group.mdd;
  const paths = m.cubes(region, limit * 8);
  const impossible = group.impossibleFor(region);
  const primes = primeCubes(group, region, paths.cubes, impossible);
  const truncated = paths.truncated || primes.length > limit;
  const cubes = primes.slice(0, limit);
  const parts = cubes.map((cube) => ({
    cube,
    node: m.andNot(m.cube(cube), impossible),
    resources: describeResources(group, cube),
    condition: describeCondition(group, cube),
    principals: group.principals.filter((_, i) => !cube[0] || cube[0][i] === 1),
  }));
  return { parts, truncated };
}

/** A cube's resource part: the patterns it requires the URN to match, and not to match. */
function describeResources(group: Group, cube: Cube): ResourceTerm[] {
  if (group.kind === 'none') return [{ match: ['*'], except: [] }];
  const term: ResourceTerm = { match: [], except: [] };
  group.patterns.forEach((a, i) => {
    const set = cube[group.rbase + i];
    if (!set) return;
    if (set[1] === 1 && set[0] !== 1) term.match.push(a.pattern as string);
    else if (set[0] === 1 && set[1] !== 1) term.except.push(a.pattern as string);
  });
  return [term];
}

function refOf(gv: GroupVar, i: number): ConditionRef {
  return gv.atoms[i]!.ref as ConditionRef;
}

function valueTerms(gv: GroupVar, inSet: readonly boolean[]): ValueTerm[] {
  return coverTerms(
    gv.classes.map((c) => c.vector),
    inSet,
    gv.atoms.length,
  ).map((t) => ({ holds: t.pos.map((i) => refOf(gv, i)), fails: t.neg.map((i) => refOf(gv, i)) }));
}

/** A condition as text. `perValue`: as a test of one value (its qualifier and IfExists say nothing there). */
export function conditionText(c: ConditionRef, perValue = false): string {
  const v = c.values.length === 1 ? JSON.stringify(c.values[0]) : JSON.stringify(c.values);
  const op = perValue ? c.operator.replace(/^For(Any|All)Values?:/, '').replace(/IfExists$/, '') : c.operator;
  return `${op} ${v}${c.scope ? ' (grant scope)' : ''}`;
}

export function valueTermText(t: ValueTerm): string {
  const parts = [...t.holds.map((c) => conditionText(c, true)), ...t.fails.map((c) => `not ${conditionText(c, true)}`)];
  return parts.length === 0 ? 'any value' : parts.join(' and ');
}

/** "no value of T1, or of T2": terms that only exclude one condition read better as "every value: ...". */
function excludesText(name: string, terms: readonly ValueTerm[]): string[] {
  const every = terms.filter((t) => t.holds.length === 0 && t.fails.length === 1);
  const rest = terms.filter((t) => !every.includes(t));
  const out: string[] = [];
  if (every.length > 0) out.push(`every value of ${name}: ${every.map((t) => conditionText(t.fails[0] as ConditionRef, true)).join(' and ')}`);
  if (rest.length > 0) out.push(`${name} has no value: ${rest.map(valueTermText).join(', or ')}`);
  return out;
}

function describeCondition(group: Group, cube: Cube): RegionCondition {
  const all: KeyRequirement[] = [];
  for (const gv of group.vars) {
    if (gv.v.kind === 'resource') continue;
    const key = gv.v.kind === 'field' ? (gv.v.keyLabel ?? FIELD_LABEL[gv.v.field as Field]) : gv.v.label;
    const base = gv.v.kind === 'field' ? { key, field: FIELD_LABEL[gv.v.field as Field] } : { key };
    const name = gv.v.kind === 'field' ? FIELD_LABEL[gv.v.field as Field] : key;
    if (gv.v.kind === 'field') {
      const set = cube[gv.first];
      if (!set) continue;
      const absentIdx = gv.classes.length;
      const absentIn = set[absentIdx] === 1;
      const values = gv.classes.map((_, i) => set[i] === 1);
      const any = values.some(Boolean);
      if (!any) {
        all.push({ ...base, absent: 'required', text: `${name} absent` });
        continue;
      }
      const everyValue = values.every(Boolean);
      const req: KeyRequirement = { ...base, absent: absentIn ? 'allowed' : 'forbidden', text: '' };
      if (!everyValue) req.one_of = valueTerms(gv, values);
      const what = req.one_of ? req.one_of.map(valueTermText).join(', or ') : 'any value';
      req.text = absentIn ? `${name} absent, or ${what}` : everyValue ? `${name} present` : `${name}: ${what}`;
      all.push(req);
      continue;
    }
    // A context key: which classes its values must include or avoid.
    const includes: number[] = [];
    const excluded: boolean[] = gv.classes.map(() => false);
    let constrained = false;
    for (let j = 0; j < gv.count; j++) {
      const set = cube[gv.first + j];
      if (!set) continue;
      constrained = true;
      if (set[1] === 1 && set[0] !== 1) includes.push(j);
      else if (set[0] === 1 && set[1] !== 1) excluded[j] = true;
    }
    if (!constrained) continue;
    if (excluded.every(Boolean)) {
      all.push({ ...base, absent: 'required', text: `${name} absent` });
      continue;
    }
    const req: KeyRequirement = { ...base, absent: includes.length > 0 ? 'forbidden' : 'allowed', text: '' };
    const texts: string[] = [];
    if (includes.length > 0) {
      req.includes = includes.flatMap((j) =>
        valueTerms(
          gv,
          gv.classes.map((_, i) => i === j),
        ),
      );
      texts.push(...req.includes.map((t) => `${name} has a value: ${valueTermText(t)}`));
    }
    if (excluded.some(Boolean)) {
      req.excludes = valueTerms(gv, excluded);
      texts.push(...excludesText(name, req.excludes));
    }
    req.text = texts.join('; ') + (req.absent === 'allowed' ? ` (or ${name} absent)` : '');
    all.push(req);
  }
  return { text: all.length === 0 ? 'none' : all.map((r) => r.text).join('; '), all_of: all };
}

export function resourcesText(rs: readonly ResourceTerm[]): string {
  return rs
    .map((r) => {
      if (r.match.length === 1 && r.match[0] === '*' && r.except.length === 0) return '* (no resource type)';
      const m = r.match.length === 0 ? 'any resource' : r.match.join(' and ');
      return r.except.length === 0 ? m : `${m} except ${r.except.join(', ')}`;
    })
    .join('; or ');
}

export function principalsText(ps: readonly PrincipalClass[]): string {
  return ps.map((p) => PRINCIPAL_CLASS_TEXT[p]).join('; ');
}

export function statementRef(st: CompiledStatement): StatementRef {
  const ref: StatementRef = { layer: st.layer, level: st.level, policy_id: st.policyId, statement: st.index, sid: st.sid, effect: st.effect, path: st.source.path };
  if (st.source.span) ref.span = st.source.span;
  return ref;
}

/**
 * Whether a set meets a part (shares a request with it, not only combinations of pattern matches no URN
 * has): at once when the part's witness lies in it, else by a search.
 */
function meets(group: Group, a: number, part: RegionPart): boolean {
  const m = group.mdd;
  const w = group.witness(part.node);
  if (
    w.kind === 'found' &&
    m.contains(
      a,
      w.witness.point.map((x) => (x === -1 ? 0 : x)),
    )
  )
    return true;
  const both = m.and(a, part.node);
  return both !== FALSE && group.witness(both).kind !== 'empty';
}

const EXEMPT: ReadonlySet<PrincipalClass> = new Set(['scp_exempt', 'management_account']);
const NO_ALLOW_NEEDED: ReadonlySet<PrincipalClass> = new Set(['account', 'management_account']);

/** Statements listed per finding (each found by a search of its own on large sets). */
export const STATEMENTS_LISTED = 20;

/**
 * Identity-layer Allow statements of a set that apply somewhere in the part: those that apply to the witness
 * first, then the others in document order, at most `STATEMENTS_LISTED` (`truncated` when more may apply).
 */
export function grantedBy(group: Group, set: number, part: RegionPart): { refs: StatementRef[]; truncated: boolean } {
  const layers = group.layers[set]!;
  const identity = layers[layers.length - 1]!;
  return listMeeting(group, identity.allow, part);
}

function listMeeting(group: Group, statements: readonly CompiledStatement[], part: RegionPart): { refs: StatementRef[]; truncated: boolean } {
  const m = group.mdd;
  const w = group.witness(part.node);
  const at = w.kind === 'found' ? w.witness.point.map((x) => (x === -1 ? 0 : x)) : null;
  const first = at ? statements.filter((st) => m.contains(group.box(st), at)) : [];
  const hits: CompiledStatement[] = first.slice(0, STATEMENTS_LISTED);
  let truncated = first.length > STATEMENTS_LISTED;
  for (const st of statements) {
    if (truncated) break;
    if (first.includes(st) || !meets(group, group.box(st), part)) continue;
    if (hits.length === STATEMENTS_LISTED) truncated = true;
    else hits.push(st);
  }
  hits.sort((a, b) => statements.indexOf(a) - statements.indexOf(b));
  return { refs: hits.map(statementRef), truncated };
}

export function refusedBy(group: Group, set: number, part: RegionPart): Refusal {
  const noAllow: Array<{ layer: 'identity' | 'scp'; level: string | null }> = [];
  const scpsApply = part.principals.some((p) => !EXEMPT.has(p));
  const identityNeeded = part.principals.some((p) => !NO_ALLOW_NEEDED.has(p));
  const denies = listMeeting(
    group,
    group.layers[set]!.flatMap((l) => l.deny),
    part,
  );
  for (const l of group.layers[set]!) {
    const layer: CompiledLayer = l.layer;
    const needed = layer.layer === 'scp' ? scpsApply : identityNeeded;
    if (needed && !meets(group, l.allowRegion, part)) noAllow.push({ layer: layer.layer, level: layer.level });
  }
  const out: Refusal = { denied_by: denies.refs, no_allow_in: noAllow };
  if (denies.truncated) out.denied_by_truncated = true;
  return out;
}

/** The witness of a part for one action of the group (null: only classes without a value are in it). */
export function witnessOf(group: Group, part: RegionPart, actionIndex: number): EvaluateRequest | 'empty' | null {
  const found = group.witness(part.node);
  if (found.kind === 'empty') return 'empty';
  if (found.kind === 'undecided') return null;
  return group.requestAt(found.witness.point, actionAt(actionIndex).name, found.witness.urn, found.witness.account);
}
