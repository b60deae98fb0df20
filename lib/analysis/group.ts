/**
 * One group of actions analysed together (same statements in every layer of every set, same kind of
 * resource, same catalog facts): the space of its requests as a decision diagram, cut into regions where
 * every layer of every set has a constant outcome (some Deny applies or not, some Allow applies or not),
 * each region decided by the engine on one representative request.
 *
 * Why one request per region suffices: the engine decides an item from the principal's class and, per
 * layer, whether a Deny applies and whether an Allow applies (decide.ts: explicit Deny anywhere wins; each
 * SCP level, unless exempt, needs an Allow; the identity layer needs one unless the principal is the
 * account). Whether a statement applies is its grant scope, Resource and conditions, each a predicate on
 * one variable (a Resource: on the yes/no variables of its patterns), so a statement is a box (a product of
 * sets of values), a layer's "some Deny / some Allow applies" a union of boxes, and a region of constant
 * layer outcomes has a constant decision for each principal class. The regions are found by splitting the whole space on each layer's union in turn and
 * dropping what is empty; the decision of each comes from `decideItem` itself, so the combination rules
 * stay the engine's.
 */
import { actionAt, actionCarriesKey } from '../catalog/catalog.js';
import {
  decide,
  evalConditionValues,
  itemOf,
  PRINCIPAL_KEYS,
  resolveRequest,
  ResourceMode,
  resourceMatches,
  scopeAdmitsAt,
  type CompiledCondition,
  type CompiledLayer,
  type CompiledPolicySet,
  type CompiledStatement,
  type RequestItem,
} from './engine.js';
import type { ActionResult, ContextScalar, ContextValue, EvaluateRequest, Principal } from '../types.js';
import { FALSE, Mdd, TRUE, WorkLimitError } from './mdd.js';
import { DERIVED_KEYS, FIELD_LIMITS, LIST_LIMIT, principalOf, REGION_KEY, scopeCondition, type Atom, type Field, type Space, type Variable } from './space.js';
import type { AtomConstraint, StringSearch } from './strings.js';
import { typedRepresentatives, type TypedFamily } from './values.js';
import { readDate } from '../policy/values.js';
import type { PrincipalClass, UnknownReason } from './types.js';

export type ResourceKind = 'none' | 'urn';

/** A class of a variable, projected on the atoms that matter to the group. */
export interface GroupClass {
  /** Truth of each relevant atom (in `GroupVar.atoms` order). */
  vector: Uint8Array;
  rep: string | null;
}

export interface GroupVar {
  v: Variable;
  /** The atoms of `v` the group's statements use. */
  atoms: Atom[];
  classes: GroupClass[];
  /** Diagram variables: one (field) or one per class (list: "a value of this class is present"). */
  first: number;
  count: number;
}

/** A witness: a point of the diagram (every variable given a value) and the URN it stands for. */
export interface Witness {
  point: number[];
  urn: string | null;
  /** The principal's account: the URN's account segment, when the point gives the principal one. */
  account?: string;
}

/** What a search for a witness found: one, none (the set is empty), or none that can be built. */
export type WitnessSearch = { kind: 'found'; witness: Witness } | { kind: 'empty' } | { kind: 'undecided' };

export class GroupUnknown extends Error {
  constructor(readonly reason: UnknownReason) {
    super(reason.message);
  }
}

/** A layer of one set as the group sees it. */
export interface GroupLayer {
  layer: CompiledLayer;
  deny: CompiledStatement[];
  allow: CompiledStatement[];
  denyRegion: number;
  allowRegion: number;
}

export interface Leaf {
  region: number;
  /** By principal class index, by set: the engine's result on the representative (null: no representative). */
  results: Array<Array<ActionResult | null>>;
}

export class Group {
  readonly mdd: Mdd;
  readonly vars: GroupVar[] = [];
  /**
   * The resource: one yes/no diagram variable per Resource pattern the group meets ("the URN matches it"),
   * after the other variables. Not every combination is a URN: `witness` searches for one.
   */
  readonly patterns: Atom[] = [];
  rbase = 0;
  readonly layers: GroupLayer[][];
  readonly boxes = new Map<CompiledStatement, number>();
  readonly leaves: Leaf[] = [];
  /** By set: the requests it allows (principal class is diagram variable 0). */
  readonly allowed: number[] = [];
  /** Requests no representative could be built for (only in classes without a value). */
  undecided = FALSE;

  decisions = 0;
  private readonly varOfId = new Map<string, GroupVar>();
  private readonly condNodes = new Map<CompiledCondition, number>();

  constructor(
    readonly space: Space,
    readonly sets: readonly CompiledPolicySet[],
    /** Representative action (the group's members decide alike). */
    readonly actionIndex: number,
    readonly kind: ResourceKind,
    readonly principals: readonly PrincipalClass[],
  ) {
    const onStar = kind === 'none';
    this.layers = sets.map((set) =>
      [...set.scps, set.identity].map((layer) => ({
        layer,
        deny: (onStar ? layer.denyOnStar : layer.deny)[actionIndex] ?? [],
        allow: (onStar ? layer.allowOnStar : layer.allow)[actionIndex] ?? [],
        denyRegion: FALSE,
        allowRegion: FALSE,
      })),
    );
    // Relevant atoms.
    const used = new Map<Variable, Set<number>>();
    const use = (v: Variable, i: number): void => {
      let s = used.get(v);
      if (!s) used.set(v, (s = new Set()));
      s.add(i);
    };
    const statements = this.statements();
    for (const st of statements) {
      if (kind === 'urn') for (const p of st.resPatterns) use(space.resource, space.resourceAtom(p).index);
      for (const c of st.conditions) {
        // A key this action does not carry is absent for it (conditionNode): not a variable of its requests.
        if (c.key !== REGION_KEY && !actionCarriesKey(actionIndex, c.key)) continue;
        const a = space.atomOf(c);
        if (a) use(a.v, a.atom.index);
      }
      if (st.scope && this.scopeMatters(st)) {
        const a = space.atomOf(scopeCondition(st));
        if (a) use(a.v, a.atom.index);
      }
    }
    if (kind === 'urn') for (const r of space.restriction ?? []) use(space.resource, space.resourceAtom(r).index);
    // Variables in diagram order: principal class, fields, context keys, then the resource patterns.
    const order = [...used.keys()].filter((v) => v.kind !== 'resource').sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const domains: number[] = [principals.length];
    for (const v of order) {
      const vc = space.classesOf(v);
      if (vc.problem !== undefined) {
        const internal = vc.problem.startsWith('internal');
        throw new GroupUnknown({
          code: internal ? 'INTERNAL_MISMATCH' : vc.problem.includes('automaton steps') ? 'WORK_LIMIT' : 'UNDECIDED_VALUES',
          message: `${v.label}: ${vc.problem}`,
          key: v.label,
        });
      }
      const atoms = [...(used.get(v) as Set<number>)].sort((a, b) => a - b).map((i) => v.atoms[i] as Atom);
      const projected = new Map<string, GroupClass>();
      for (const c of vc.classes) {
        const vec = Uint8Array.from(atoms, (a) => c.vector[a.index] as number);
        const key = vec.join('');
        const seen = projected.get(key);
        if (!seen) projected.set(key, { vector: vec, rep: c.rep });
        else if (seen.rep === null || (c.rep !== null && c.rep.length < seen.rep.length)) seen.rep = c.rep ?? seen.rep;
      }
      const classes = [...projected.values()];
      const gv: GroupVar = { v, atoms, classes, first: domains.length, count: v.kind === 'list' ? classes.length : 1 };
      if (v.kind === 'list') for (let i = 0; i < classes.length; i++) domains.push(2);
      else domains.push(classes.length + (v.kind === 'field' ? 1 : 0));
      this.vars.push(gv);
      this.varOfId.set(v.id, gv);
    }
    this.rbase = domains.length;
    for (const i of [...(used.get(space.resource) ?? [])].sort((a, b) => a - b)) {
      this.patterns.push(space.resource.atoms[i] as Atom);
      domains.push(2);
    }
    this.mdd = new Mdd(domains, space.nodes);
  }

  /** Every statement the group's action can meet, in every set and layer. */
  statements(): CompiledStatement[] {
    const out: CompiledStatement[] = [];
    for (const layers of this.layers) for (const l of layers) out.push(...l.deny, ...l.allow);
    return out;
  }

  /** An enterprise-project scope never applies to an action without enterprise projects: no variable then. */
  private scopeMatters(st: CompiledStatement): boolean {
    return st.scope?.type === 'project' || actionAt(this.actionIndex).enterprise_project;
  }

  // -------------------------------------------------------------------------------------------------------
  // Sets of requests
  // -------------------------------------------------------------------------------------------------------

  /** The requests whose values make a condition true. */
  conditionNode(c: CompiledCondition): number {
    let n = this.condNodes.get(c);
    if (n !== undefined) return n;
    const a = this.space.atomOf(c);
    if (c.key !== REGION_KEY && !actionCarriesKey(this.actionIndex, c.key)) {
      // A key this action's requests do not carry is absent for it, whatever the request gives (docs/semantics.md,
      // "Keys an action does not carry").
      n = evalConditionValues(c, undefined) ? TRUE : FALSE;
    } else if (!a) {
      const values = c.key === REGION_KEY ? regionValues(this.space) : (this.space.fixed.get(c.key) ?? whenAbsent(c.key));
      n = evalConditionValues(c, values) ? TRUE : FALSE;
    } else {
      const gv = this.varOfId.get(a.v.id) as GroupVar;
      const pos = gv.atoms.indexOf(a.atom);
      const absent = evalConditionValues(c, whenAbsent(c.key));
      if (gv.v.kind === 'field') {
        n = this.mdd.literal(gv.first, (value) => (value === gv.classes.length ? absent : gv.classes[value]!.vector[pos] === 1));
      } else {
        n = this.listCondition(c, gv, pos, absent);
      }
    }
    this.condNodes.set(c, n);
    return n;
  }

  /**
   * A condition on a context key that may hold several values: absent (no class present) gives its answer
   * for an absent key; otherwise `ForAllValues` needs every present class to satisfy it, anything else one.
   * The reading is checked against the engine on every pair of representatives.
   */
  private listCondition(c: CompiledCondition, gv: GroupVar, pos: number, absent: boolean): number {
    const all = c.qualifier === 'ForAllValues';
    const bits = gv.classes.map((k) => k.vector[pos] === 1);
    const problem = this.space.listReadingProblem(gv.v, gv.atoms[pos] as Atom);
    if (problem) throw new GroupUnknown({ code: 'INTERNAL_MISMATCH', message: problem, key: gv.v.label });
    const m = this.mdd;
    let present = FALSE;
    let list = all ? TRUE : FALSE;
    for (let j = 0; j < gv.count; j++) {
      const x = m.literal(gv.first + j, (value) => value === 1);
      present = m.or(present, x);
      if (all && !bits[j]) list = m.andNot(list, x);
      if (!all && bits[j]) list = m.or(list, x);
    }
    return m.or(m.and(present, list), absent ? m.not(present) : FALSE);
  }

  /** The requests a statement applies to (scope, resource, conditions). */
  box(st: CompiledStatement): number {
    let n = this.boxes.get(st);
    if (n !== undefined) return n;
    const m = this.mdd;
    n = TRUE;
    if (st.scope) n = this.scopeMatters(st) ? this.scopeNode(st) : FALSE;
    if (n !== FALSE) n = m.and(n, this.resourceNode(st));
    for (const c of st.conditions) {
      if (n === FALSE) break;
      n = m.and(n, this.conditionNode(c));
    }
    this.boxes.set(st, n);
    return n;
  }

  private scopeNode(st: CompiledStatement): number {
    const c = scopeCondition(st);
    const n = this.conditionNode(c);
    // The reading of the scope as a condition, checked against the engine on each representative.
    const a = this.space.atomOf(c);
    const gv = a ? this.varOfId.get(a.v.id) : undefined;
    const item = this.item(null);
    const check = (values: string[] | undefined, inNode: boolean): void => {
      const isRegion = c.key === REGION_KEY;
      const region = isRegion ? values?.[0] : regionValues(this.space)?.[0];
      const context = isRegion ? (this.space.options.assume.context ?? {}) : { ...(this.space.options.assume.context ?? {}), 'g:EnterpriseProjectId': values ?? null };
      if (scopeAdmitsAt(st, item, region, context, this.space.options.assume.principal) !== inNode) {
        throw new GroupUnknown({ code: 'INTERNAL_MISMATCH', message: `internal: the grant scope of ${st.policyId} reads ${JSON.stringify(values ?? null)} otherwise than the engine` });
      }
    };
    if (gv) {
      const m = this.mdd;
      const point = new Array<number>(m.domains.length).fill(0);
      for (let k = 0; k <= gv.classes.length; k++) {
        const absent = k === gv.classes.length;
        const rep = absent ? null : (gv.classes[k] as GroupClass).rep;
        if (!absent && rep === null) continue;
        point.fill(0);
        if (gv.v.kind === 'field') point[gv.first] = k;
        else if (!absent) point[gv.first + k] = 1;
        check(absent ? undefined : [rep as string], m.contains(n, point));
      }
    } else {
      // Fixed by the assumptions: a constant, checked on the assumed value.
      const fixed = c.key === REGION_KEY ? regionValues(this.space) : this.space.fixed.get(c.key)?.map(String);
      check(fixed, n === TRUE);
    }
    return n;
  }

  /**
   * A statement's Resource / NotResource as a set of points: which patterns the URN must (not) match. The
   * reading is the engine's `resourceMatches` for one URN; every witness is checked against the engine.
   */
  resourceNode(st: CompiledStatement): number {
    let n = this.resourceNodes.get(st);
    if (n === undefined) this.resourceNodes.set(st, (n = this.makeResourceNode(st)));
    return n;
  }

  private readonly resourceNodes = new Map<CompiledStatement, number>();
  private readonly checkedUrns = new Set<string>();

  private makeResourceNode(st: CompiledStatement): number {
    if (this.kind === 'none') return resourceMatches(st, this.item(null)) ? TRUE : FALSE;
    if (st.resMode === ResourceMode.Any) return TRUE;
    const list = st.resMode === ResourceMode.List;
    if (st.resAllStar) return list ? TRUE : FALSE;
    let any = FALSE;
    for (const p of st.resPatterns) any = this.mdd.or(any, this.patternNode(p));
    return list ? any : this.mdd.not(any);
  }

  private patternNode(pattern: string): number {
    const i = this.patterns.indexOf(this.space.resourceAtom(pattern));
    return this.mdd.literal(this.rbase + i, (value) => value === 1);
  }

  item(urn: string | null): RequestItem {
    return itemOf(this.actionIndex, urn, this.kind !== 'none');
  }

  /** The requests the group's resources question is about (checkAccessNotGranted), or every request. */
  restrictionNode(): number {
    const r = this.space.restriction;
    if (r === null || this.kind === 'none') return TRUE;
    return this.mdd.orAll(r.map((p) => this.patternNode(p)));
  }

  principalNode(i: number): number {
    return this.mdd.literal(0, (value) => value === i);
  }

  // -------------------------------------------------------------------------------------------------------
  // Regions and decisions
  // -------------------------------------------------------------------------------------------------------

  /** Builds the layer regions, splits the space into regions of constant layer outcomes and decides each. */
  decide(maxRegions: number): void {
    const m = this.mdd;
    const splitters: number[] = [];
    // Identity layers first: they cut the most.
    for (const layers of this.layers) {
      for (const l of [...layers].reverse()) {
        l.denyRegion = m.orAll(l.deny.map((st) => this.box(st)));
        l.allowRegion = m.orAll(l.allow.map((st) => this.box(st)));
        for (const r of [l.denyRegion, l.allowRegion]) if (r !== FALSE && r !== TRUE && !splitters.includes(r)) splitters.push(r);
      }
    }
    let regions = [TRUE];
    for (const r of splitters) {
      const next: number[] = [];
      for (const region of regions) {
        const inside = m.and(region, r);
        const outside = m.andNot(region, r);
        if (inside !== FALSE) next.push(inside);
        if (outside !== FALSE) next.push(outside);
      }
      regions = next;
      if (regions.length > maxRegions) throw new WorkLimitError(`more than ${maxRegions} combinations of layer outcomes`);
    }
    const allowed = this.sets.map(() => FALSE);
    const action = actionAt(this.actionIndex).name;
    for (const region of regions) {
      const found = this.witness(region);
      if (found.kind === 'empty') continue;
      const w = found.kind === 'found' ? found.witness : null;
      const results: Array<Array<ActionResult | null>> = [];
      for (let p = 0; p < this.principals.length; p++) {
        const row: Array<ActionResult | null> = [];
        const req = w ? this.requestAt([p, ...w.point.slice(1)], action, w.urn, w.account) : null;
        const resolved = req ? resolveRequest(req) : null;
        if (resolved && 'error' in resolved) throw new GroupUnknown({ code: 'INTERNAL_MISMATCH', message: `internal: a representative request was refused: ${resolved.error.message}`, action });
        for (let s = 0; s < this.sets.length; s++) {
          if (!resolved) {
            row.push(null);
            continue;
          }
          const r = decide(this.sets[s] as CompiledPolicySet, resolved, resolved.items[0] as RequestItem);
          this.decisions++;
          row.push(r);
          if (r.decision === 'allow') allowed[s] = m.or(allowed[s] as number, m.and(region, this.principalNode(p)));
        }
        if (!resolved) this.undecided = m.or(this.undecided, m.and(region, this.principalNode(p)));
        results.push(row);
      }
      this.leaves.push({ region, results });
    }
    this.allowed.push(...allowed);
  }

  private readonly impossibles = new Map<number, number>();
  /**
   * Combinations of matches of the patterns a set depends on that no URN has, pair by pair (a pattern
   * inside another, two patterns that share no URN): points there hold no request, so descriptions may
   * widen into them. Bounded: over at most 24 patterns and a few thousand nodes, else nothing (it only
   * simplifies descriptions).
   */
  impossibleFor(set: number): number {
    let bad = this.impossibles.get(set);
    if (bad !== undefined) return bad;
    const m = this.mdd;
    const vars = m.support(set).filter((v) => v >= this.rbase);
    bad = FALSE;
    const budget = m.size + 5_000;
    if (vars.length <= 24) {
      outer: for (let i = 0; i < vars.length; i++) {
        for (let j = i + 1; j < vars.length; j++) {
          const a = vars[i] as number;
          const b = vars[j] as number;
          const rel = this.space.pairRelation(this.patterns[a - this.rbase] as Atom, this.patterns[b - this.rbase] as Atom);
          for (let combo = 1; combo < 4; combo++) {
            if ((rel & (1 << combo)) !== 0) continue;
            bad = m.or(
              bad,
              m.and(
                m.literal(a, (v) => v === (combo & 1)),
                m.literal(b, (v) => v === combo >> 1),
              ),
            );
          }
          if (m.size > budget) {
            bad = FALSE;
            break outer;
          }
        }
      }
    }
    this.impossibles.set(set, bad);
    return bad;
  }

  /**
   * A witness of a set: a point whose every value has a representative, and a URN whose pattern matches
   * are the point's (found by the automaton search of strings.ts, readable candidates first). `empty` is a
   * proof that the set holds no request; `undecided` that it holds some only in classes without a value.
   */
  witness(set: number): WitnessSearch {
    let w = this.witnesses.get(set);
    if (!w) this.witnesses.set(set, (w = this.searchWitness(set)));
    return w.kind === 'found' ? { kind: 'found', witness: { ...w.witness, point: [...w.witness.point] } } : w;
  }

  private readonly witnesses = new Map<number, WitnessSearch>();

  /** The variable of `principal.account_id` when the group's requests have a resource (null: none). */
  private accountVar(): GroupVar | null {
    return this.kind === 'urn' ? (this.varOfId.get('account_id') ?? null) : null;
  }

  /**
   * A request for another account's resource is denied whatever the policies, so only requests in the
   * principal's own account (or without one) can tell two sets apart, and a region's representative must be
   * one: its account absent, or the URN's account segment (docs/analysis.md, "Limits of exactness"). Points
   * without an account are tried first; then points with one, where the URN and the account's class are
   * searched together (the account is the URN's segment). A region whose every request is across accounts
   * is empty.
   */
  private searchWitness(set: number): WitnessSearch {
    if (set === FALSE) return { kind: 'empty' };
    const m = this.mdd;
    if (this.kind === 'none') {
      const point = this.pickPoint(set);
      return point ? { kind: 'found', witness: { point, urn: null } } : { kind: 'undecided' };
    }
    const acc = this.accountVar();
    if (!acc) return this.searchUrn(set, null);
    const absent = acc.classes.length;
    const without = m.and(
      set,
      m.literal(acc.first, (v) => v === absent),
    );
    const a = this.searchUrn(without, null);
    if (a.kind === 'found') return a;
    // Classes no value of which can be a URN segment (their typed atoms need a ':', as an IPv6 address does) hold
    // requests across accounts only.
    const segmentable = this.segmentable(acc);
    const within = m.and(
      set,
      m.literal(acc.first, (v) => v !== absent && segmentable[v] === true),
    );
    const b = this.searchUrn(within, acc);
    if (b.kind === 'found') return b;
    let undecided = a.kind === 'undecided' || b.kind === 'undecided';
    if (b.kind === 'undecided') {
      // Some URN fits the regular atoms but not the account's typed ones (a number, a date, an address), which
      // the automaton does not read: the values of those classes that can be a segment, each tried exactly.
      for (const value of this.accountCandidates(acc, within)) {
        const c = this.accountClass(acc, value);
        const r = this.searchUrn(
          m.and(
            within,
            m.literal(acc.first, (v) => v === c),
          ),
          acc,
          value,
        );
        if (r.kind === 'found') return r;
      }
      // Then apart: classes whose every value is read as a number, date or address (their typed truths are not
      // those of a text no reader reads), over URNs whose account segment has one of those syntaxes (a proof
      // that there is none, when none is found), and the other classes.
      const typed = acc.atoms.flatMap((x, i) => (x.value.typed ? [i] : []));
      const families = [...new Set(typed.map((i) => (acc.atoms[i]!.value.typed as { family: TypedFamily }).family))];
      const text = typed.map((i) => (acc.atoms[i]!.value.holds('x') ? 1 : 0)).join('');
      const read = (v: number): boolean => typed.map((i) => acc.classes[v]!.vector[i]).join('') !== text;
      const readSet = m.and(
        within,
        m.literal(acc.first, (v) => v !== absent && read(v)),
      );
      const textSet = m.and(
        within,
        m.literal(acc.first, (v) => v !== absent && !read(v)),
      );
      const r1 = this.searchUrn(readSet, acc, undefined, this.space.syntaxSearch(families));
      if (r1.kind === 'found') return r1;
      const r2 = this.searchUrn(textSet, acc);
      if (r2.kind === 'found') return r2;
      undecided = a.kind === 'undecided' || r1.kind === 'undecided' || r2.kind === 'undecided';
    }
    return undecided ? { kind: 'undecided' } : { kind: 'empty' };
  }

  /** The class of an account value (every atom read by the engine); -1 when it cannot be a principal's account. */
  private accountClass(acc: GroupVar, value: string): number {
    if (value === '' || value.length > FIELD_LIMITS.account_id) return -1;
    const vector = acc.atoms.map((a) => (a.value.holds(value) ? 1 : 0)).join('');
    return acc.classes.findIndex((k) => k.vector.join('') === vector);
  }

  /**
   * Account values that can be a URN's segment (no `:`, `*`, `?`) in classes the set allows, at most 32: the
   * values that read as every segment does for the typed atoms (`typedSegmentValues`), the classes'
   * representatives and the policies' values.
   */
  private accountCandidates(acc: GroupVar, set: number): string[] {
    const raw: string[] = [...this.typedSegmentValues(acc), ...acc.classes.map((k) => k.rep).filter((r): r is string => r !== null), ...acc.atoms.flatMap((a) => a.value.literals)];
    const out: string[] = [];
    const seen = new Set<string>();
    for (const v of raw) {
      if (seen.has(v) || /[:*?]/.test(v)) continue;
      seen.add(v);
      const c = this.accountClass(acc, v);
      if (c !== -1 && this.mdd.restrict(set, acc.first, c) !== FALSE) out.push(v);
      if (out.length >= 32) break;
    }
    return out;
  }

  private typedSegments: string[] | undefined;
  /**
   * Values without `:` that, between them, read as every value without `:` reads for the account's typed
   * atoms: a text no reader reads; each number representative (a number is written without `:`); the IPv4
   * representatives (an address without `:` is an IPv4 address, and is never in an IPv6 block); for dates, the
   * days alone (a time of day needs `:`), each constant's day and the days before and after it, and the first
   * and last days (a day between two constants is at least as late as the day after the first one).
   */
  private typedSegmentValues(acc: GroupVar): string[] {
    if (!this.typedSegments) {
      const out = ['x'];
      const day = (ms: number): void => {
        if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return;
        const d = new Date(Math.floor(ms / 86_400_000) * 86_400_000);
        const y = d.getUTCFullYear();
        if (y >= 0 && y <= 9999) out.push(d.toISOString().slice(0, 10));
      };
      for (const a of acc.atoms) {
        const typed = a.value.typed;
        if (!typed) continue;
        if (typed.family === 'date') {
          out.push('0000-01-01', '9999-12-31');
          for (const v of typed.values) {
            const t = readDate(v);
            if (t !== undefined) for (const d of [t - 86_400_000, t, t + 86_400_000]) day(d);
          }
        } else out.push(...typedRepresentatives(typed.family, typed.values).filter((r) => !r.includes(':')));
      }
      this.typedSegments = out;
    }
    return this.typedSegments;
  }

  private segmentableClasses: boolean[] | undefined;
  /**
   * By class of the account: whether some value of it may be a URN segment. False only when its truths of
   * the typed atoms are those of no value without `:` (`typedSegmentValues` reads as all of them do).
   */
  private segmentable(acc: GroupVar): boolean[] {
    if (!this.segmentableClasses) {
      const typed = acc.atoms.flatMap((a, i) => (a.value.typed ? [i] : []));
      const seen = new Set(this.typedSegmentValues(acc).map((v) => typed.map((i) => (acc.atoms[i]!.value.holds(v) ? 1 : 0)).join('')));
      this.segmentableClasses = acc.classes.map((k) => typed.length === 0 || seen.has(typed.map((i) => k.vector[i]).join('')));
    }
    return this.segmentableClasses;
  }

  /**
   * A point of the set and a URN whose pattern matches are the point's, found by the automaton search
   * (readable candidates first). With `acc`, every point of the set gives the principal an account, which
   * must be the URN's account segment: the segment's truths of the account atoms narrow the account's
   * classes as the search goes, and the class of the segment found (every atom, typed ones included, read
   * by the engine) is the point's. When the assumptions fix the account, the segment must be it.
   */
  private searchUrn(set: number, acc: GroupVar | null, literal?: string, over?: StringSearch): WitnessSearch {
    if (set === FALSE) return { kind: 'empty' };
    const m = this.mdd;
    const seg = this.space.accountSegments();
    const assumed = seg.assumed;
    if (this.patterns.length === 0 && !acc && assumed === null && literal === undefined) {
      const point = this.pickPoint(set);
      if (!point) return { kind: 'undecided' };
      return { kind: 'found', witness: { point, urn: this.niceUrns()[0]! } };
    }
    let chosen: number[] | null = null;
    let account: string | undefined;
    const rbase = this.rbase;
    const resources = this.space.resource.atoms.length;
    // The search runs over all the space's patterns (atom = the pattern's index in the space), then the
    // account atoms; the group's diagram variables are the patterns it meets and the account's classes.
    const local = this.localIndex();
    // Account atoms the search must settle: those the group reads and "not empty" (with `acc`), the assumed
    // account, or the one account tried (`literal`). A state of the constraint is a node of the diagram and
    // the account atoms settled so far.
    const required: number[] = [];
    const fieldAtomOf = new Map<number, number>();
    let searcher: StringSearch;
    let size: number;
    let fill: (t: Uint8Array, value: string) => void;
    if (literal !== undefined) {
      searcher = this.space.literalSearch(literal);
      size = resources + 1;
      required.push(resources);
      fill = (t, value) => (t[resources] = value === literal ? 1 : 0);
    } else {
      searcher = over ?? this.space.search();
      size = resources + seg.atoms.length;
      if (acc) {
        acc.atoms.forEach((a, pos) => {
          const at = seg.ofFieldAtom.get(a.index);
          if (at !== undefined) {
            fieldAtomOf.set(at, pos);
            required.push(at);
          }
        });
        required.push(seg.nonEmpty);
      }
      if (assumed !== null) required.push(assumed);
      const fieldAtoms = this.space.vars.get('account_id')?.atoms ?? [];
      fill = (t, value) => {
        for (const [i, at] of seg.ofFieldAtom) t[at] = fieldAtoms[i]!.value.holds(value) ? 1 : 0;
        t[seg.nonEmpty] = value === '' ? 0 : 1;
        if (assumed !== null) t[assumed] = value === seg.account ? 1 : 0;
      };
    }
    const states: Array<{ node: number; settled: ReadonlySet<number> }> = [{ node: FALSE, settled: new Set() }];
    const ids = new Map<string, number>();
    const stateOf = (node: number, settled: ReadonlySet<number>): number => {
      if (node === FALSE) return 0;
      const key = `${node}|${[...settled].sort((x, y) => x - y).join(',')}`;
      let id = ids.get(key);
      if (id === undefined) {
        ids.set(key, (id = states.length));
        states.push({ node, settled });
      }
      return id;
    };
    const absent = acc ? acc.classes.length : -1;
    const constraint: AtomConstraint = {
      initial: stateOf(set, new Set()),
      NONE: 0,
      restrict: (s, atom, value) => {
        const { node, settled } = states[s] as { node: number; settled: ReadonlySet<number> };
        if (atom < resources) return stateOf(m.restrict(node, rbase + (local[atom] as number), value), settled);
        if (settled.has(atom)) return s;
        const pos = fieldAtomOf.get(atom);
        let next = node;
        if (pos !== undefined)
          next = m.and(
            node,
            m.literal((acc as GroupVar).first, (v) => v !== absent && (acc as GroupVar).classes[v]!.vector[pos] === value),
          );
        else if (value === 0) next = FALSE; // "not empty", the assumed account, the account tried: each must hold
        return stateOf(next, new Set([...settled, atom]));
      },
      support: (s) => {
        const { node, settled } = states[s] as { node: number; settled: ReadonlySet<number> };
        const out = m
          .support(node)
          .filter((v) => v >= rbase)
          .map((v) => (this.patterns[v - rbase] as Atom).index);
        for (const a of required) if (!settled.has(a)) out.push(a);
        return out;
      },
      accept: (s, urn) => {
        const node = (states[s] as { node: number }).node;
        if (!acc) return (chosen = this.pickPoint(node)) !== null;
        // The account is the URN's segment; its class, read by the engine, must be one the set allows.
        const value = urn.split(':')[2] as string;
        const c = this.accountClass(acc, value);
        if (c === -1) return false;
        chosen = this.pickPoint(m.restrict(node, acc.first, c));
        if (chosen === null) return false;
        chosen[acc.first] = c;
        account = value;
        return true;
      },
    };
    const truths = (urn: string): Uint8Array => {
      let p = this.truthCache.get(urn);
      if (!p) {
        p = new Uint8Array(resources);
        for (const a of this.patterns) p[a.index] = a.value.holds(urn) ? 1 : 0;
        this.truthCache.set(urn, p);
      }
      const t = new Uint8Array(size);
      t.set(p);
      fill(t, urn.split(':')[2] ?? '');
      return t;
    };
    // A plain search (no account to place) depends on the set only through the combinations of pattern matches
    // its points have: the URN found for the same combinations before, by any group, is tried first, and a
    // proof that no URN has them is one for this set too.
    const plain = !acc && assumed === null && literal === undefined && over === undefined;
    const key = plain ? this.projectionKey(set) : null;
    const known = key === null ? undefined : this.space.urnsByPatterns.get(key);
    if (known === null) return { kind: 'empty' };
    const candidates = [...(known === undefined ? [] : [() => [known]]), () => this.niceUrns(), () => this.mergedUrns(set)];
    if (acc || assumed !== null) candidates.push(() => this.inAccounts([...this.niceUrns(), ...this.mergedUrns(set)], set, acc));
    const found = searcher.find(constraint, candidates, truths, this.space.stepsLeft());
    this.space.automatonSteps += found.work;
    if (!found.complete) throw new WorkLimitError(`more than ${this.space.options.limits.automatonSteps} automaton steps (for the whole analysis) to find a resource URN`);
    if (key !== null && !found.refused) this.space.urnsByPatterns.set(key, found.value);
    if (found.value === null || chosen === null) return found.refused ? { kind: 'undecided' } : { kind: 'empty' };
    const point: number[] = chosen;
    const urn = found.value;
    // The URN's matches are the engine's: the point takes them, and must still lie in the set.
    const t = truths(urn);
    this.patterns.forEach((a, i) => (point[rbase + i] = t[a.index] as number));
    const full = point.map((x) => (x === -1 ? 0 : x));
    if (!m.contains(set, full)) {
      throw new GroupUnknown({ code: 'INTERNAL_MISMATCH', message: `internal: the URN ${urn} found for a region does not lie in it` });
    }
    if (!this.checkedUrns.has(urn)) {
      this.checkedUrns.add(urn);
      const item = this.item(urn);
      for (const st of this.statements()) {
        if (m.contains(this.resourceNode(st), full) !== resourceMatches(st, item)) {
          throw new GroupUnknown({ code: 'INTERNAL_MISMATCH', message: `internal: the Resource of ${st.policyId} statement ${st.index} reads ${urn} otherwise than the engine` });
        }
      }
    }
    const witness: Witness = { point, urn };
    if (account !== undefined) witness.account = account;
    return { kind: 'found', witness };
  }

  private readonly projections = new Map<number, number>();
  /** The combinations of pattern matches of a set's points (the other variables, tested first, projected out). */
  private patternProjection(n: number): number {
    if (n === FALSE || n === TRUE) return n;
    const m = this.mdd;
    if (m.variable(n) >= this.rbase) return n;
    let p = this.projections.get(n);
    if (p === undefined) {
      p = FALSE;
      for (const c of m.children(n)) {
        p = m.or(p, this.patternProjection(c));
        if (p === TRUE) break;
      }
      this.projections.set(n, p);
    }
    return p;
  }

  /**
   * A set's combinations of pattern matches written over the space's pattern numbers (the group's pattern
   * variables are in the space's order, so the reduced diagram's walk is canonical); null when large.
   */
  private projectionKey(set: number): string | null {
    const m = this.mdd;
    const ids = new Map<number, number>();
    const parts: string[] = [];
    const walk = (n: number): boolean => {
      if (n === FALSE || n === TRUE) {
        parts.push(n === TRUE ? 'T' : 'F');
        return true;
      }
      const id = ids.get(n);
      if (id !== undefined) {
        parts.push(`#${id}`);
        return true;
      }
      if (ids.size >= 2000) return false;
      ids.set(n, ids.size);
      parts.push(`(${(this.patterns[m.variable(n) - this.rbase] as Atom).index}`);
      for (const c of m.children(n)) if (!walk(c)) return false;
      parts.push(')');
      return true;
    };
    return walk(this.patternProjection(set)) ? parts.join(' ') : null;
  }

  /**
   * Candidate URNs moved into an account the set allows: each URN with its account segment replaced by the
   * assumed account, or by the representative of each account class of the set that can be a segment.
   */
  private inAccounts(urns: readonly string[], set: number, acc: GroupVar | null): string[] {
    const accounts: string[] = [];
    const seg = this.space.accountSegments();
    if (seg.account !== null) accounts.push(seg.account);
    if (acc) {
      acc.classes.forEach((k, c) => {
        if (k.rep !== null && this.mdd.restrict(set, acc.first, c) !== FALSE) accounts.push(k.rep);
      });
    }
    const out: string[] = [];
    for (const a of accounts) {
      if (a === '' || /[:*?]/.test(a)) continue;
      for (const u of urns) {
        const parts = u.split(':');
        if (parts.length < 5) continue;
        parts[2] = a;
        out.push(parts.join(':'));
      }
    }
    return out;
  }

  /**
   * URNs that may match every pattern the set requires: the required patterns merged segment by segment
   * (a segment of `*` gives way to the other's), wildcards filled. Only candidates: the search decides.
   */
  private mergedUrns(set: number): string[] {
    const m = this.mdd;
    const out: string[] = [];
    // The patterns some paths of the set need matched, each path's merged.
    for (const cube of m.cubes(set, 16).cubes) {
      const required = this.patterns.filter((_, i) => {
        const s = cube[this.rbase + i];
        return s !== null && s !== undefined && s[1] === 1 && s[0] !== 1;
      });
      if (required.length === 0) continue;
      const split = required.map((a) => (a.pattern as string).split(':'));
      const width = Math.max(...split.map((x) => x.length));
      const merged: string[] = [];
      for (let i = 0; i < width; i++) {
        const segs = split.map((x) => x[i]).filter((x): x is string => x !== undefined);
        const literal = segs.find((x) => !/[*?]/.test(x));
        merged.push(literal ?? segs.find((x) => !/^\*+$/.test(x)) ?? '*');
      }
      const text = merged.join(':');
      for (const fill of ['', '1', 'x', 'image-1']) out.push(text.replace(/\*+/g, fill).replace(/\?/g, 'x'));
      // Patterns whose * crosses ':' meet in URNs that hold one after the other: the first filled, then
      // each other's text after its first *, in every order (up to three patterns).
      const fill = (p: string): string => p.replace(/\*+/g, '').replace(/\?/g, 'x');
      const patterns = required.map((a) => a.pattern as string);
      if (patterns.length <= 3) {
        for (const order of permutations(patterns)) {
          let chained = fill(order[0] as string);
          for (const p of order.slice(1)) chained += p.includes('*') ? fill(p.slice(p.indexOf('*') + 1)) : `:${fill(p)}`;
          out.push(chained);
        }
      }
    }
    return out;
  }

  private local: Int32Array | undefined;
  private localIndex(): Int32Array {
    if (!this.local) {
      this.local = new Int32Array(this.space.resource.atoms.length).fill(-1);
      this.patterns.forEach((a, i) => ((this.local as Int32Array)[a.index] = i));
    }
    return this.local;
  }
  private readonly truthCache = new Map<string, Uint8Array>();
  private nice: string[] | undefined;
  /** Readable URNs tried first: common ones, and the group's patterns with their wildcards filled in. */
  niceUrns(): string[] {
    this.nice ??= [...this.space.niceUrns(), ...this.patterns.flatMap((a) => this.space.instantiations(a))];
    return this.nice;
  }

  /**
   * A point of the set with a representative for every variable on its path (classes without a value
   * avoided); null when every point of the set needs one of those. Fields and keys prefer absent.
   */
  pickPoint(set: number): number[] | null {
    const m = this.mdd;
    const failed = new Set<number>();
    const point = new Array<number>(m.domains.length).fill(-1);
    const walk = (n: number): boolean => {
      if (n === TRUE) return true;
      if (n === FALSE || failed.has(n)) return false;
      const v = m.variable(n);
      const kids = m.children(n);
      for (const value of this.preference(v)) {
        if (kids[value] === FALSE) continue;
        point[v] = value;
        if (walk(kids[value] as number)) return true;
      }
      point[v] = -1;
      failed.add(n);
      return false;
    };
    return walk(set) ? point : null;
  }

  private readonly preferences = new Map<number, number[]>();
  /** Values of a diagram variable in the order witnesses try them; values without a representative left out. */
  private preference(v: number): number[] {
    let p = this.preferences.get(v);
    if (p) return p;
    const d = this.mdd.domains[v] as number;
    if (v === 0) p = Array.from({ length: d }, (_, i) => i);
    else {
      const gv = this.vars.find((g) => v >= g.first && v < g.first + g.count);
      if (!gv)
        p = [0, 1]; // a resource pattern (the URN search sets it)
      else if (gv.v.kind === 'list') p = gv.classes[v - gv.first]!.rep === null ? [0] : [0, 1];
      else p = [gv.classes.length, ...gv.classes.map((c, i) => (c.rep === null ? -1 : i)).filter((i) => i >= 0)];
    }
    this.preferences.set(v, p);
    return p;
  }

  /**
   * The request at a point (free variables take their first preference: absent keys and fields, the first
   * resource class); null when it would break the request limits (too many values for one key). `account`:
   * the principal's account a witness found with its URN (the URN's account segment), in the point's class.
   */
  requestAt(point: readonly number[], action: string, urn: string | null, account?: string): EvaluateRequest | null {
    const space = this.space;
    const assume = space.options.assume;
    const principal: Principal = { ...(principalOf(this.principals[point[0] === -1 ? 0 : (point[0] as number)] as PrincipalClass, assume.principal) as Principal) };
    const context: Record<string, ContextValue> = { ...(assume.context ?? {}) };
    let region: string | undefined = assume.region ?? undefined;
    for (const gv of this.vars) {
      const at = (i: number): number => {
        const x = point[gv.first + i] as number;
        return x === -1 ? (this.preference(gv.first + i)[0] as number) : x;
      };
      if (gv.v.kind === 'field') {
        const value = at(0);
        const f = gv.v.field as Field;
        const rep = value === gv.classes.length ? null : f === 'account_id' && account !== undefined ? account : (gv.classes[value] as GroupClass).rep;
        if (f === 'region') {
          if (rep === null) region = undefined;
          else region = rep;
        } else if (rep === null) delete principal[f];
        else principal[f] = rep;
      } else {
        const values: ContextScalar[] = [];
        for (let j = 0; j < gv.count; j++) if (at(j) === 1) values.push((gv.classes[j] as GroupClass).rep as string);
        if (values.length > LIST_LIMIT) return null;
        if (values.length > 0) context[gv.v.label] = values.length === 1 ? (values[0] as string) : values;
        // A key IAM fills from the principal is read as the request states it (docs/analysis.md): absent is
        // stated as null, or the engine would fill it from the principal's fields.
        else if (FILLED_FROM_PRINCIPAL.has(gv.v.id)) context[gv.v.label] = null;
      }
    }
    const req: EvaluateRequest = { principal, action };
    if (this.kind === 'urn') req.resource = urn ?? defaultUrn(principal, region);
    if (region !== undefined) req.region = region;
    if (Object.keys(context).length > 0) req.context = context;
    return req;
  }
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

function rank(v: Variable): number {
  return v.kind === 'field' ? 0 : v.kind === 'list' ? 1 : 2;
}

function regionValues(space: Space): string[] | undefined {
  const r = space.options.assume.region;
  return r === undefined || r === null ? undefined : [r];
}

/** Any URN will do when no pattern tells URNs apart: one of the request's own account and region. */
function defaultUrn(principal: Principal, region: string | undefined): string {
  return `ims:${region ?? 'cn-north-4'}:${principal.account_id || 'acc-1'}:image:image-1`;
}

/**
 * What the engine reads for a key the request does not give: g:CurrentTime is filled with the time of
 * evaluation (docs/semantics.md, "Keys IAM fills"), read here as the time of the analysis, so a request
 * without it is analysed as it would be decided now (docs/analysis.md); every other key is absent.
 */
function whenAbsent(key: string): string[] | undefined {
  return key === 'g:currenttime' ? [new Date().toISOString()] : undefined;
}

/**
 * Keys IAM fills from the principal's fields (lib/engine/context.ts), normalised as conditions carry them. An
 * inline request may state them (a what-if override; null removes one), so their value is free like any other
 * key's: the analysis reads them as the request states them, and its requests always state them.
 */
const FILLED_FROM_PRINCIPAL: ReadonlySet<string> = new Set(
  PRINCIPAL_KEYS.filter((k) => k.fill !== undefined)
    .map((k) => k.key.toLowerCase())
    .filter((k) => !(k in DERIVED_KEYS)),
);
