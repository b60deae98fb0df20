/**
 * The space of requests an analysis searches, and its finite partition.
 *
 * A request is decided item by item (an action and one resource), so the space is single-item requests:
 * a principal, a catalog action, a resource (a concrete URN for actions with a resource type, `*` for the
 * others), a region and context values. The engine reads them through few channels, each a "variable" here:
 *  - the principal's class (exempt from SCPs? needs an identity Allow?), four values;
 *  - each principal field and the region, which the engine turns into context keys (`g:UserName` from
 *    `principal.user_name`, `g:RequestedRegion` and `g:ProjectName` from `region`, ...) and, for the region,
 *    project-scoped grants: one value or absent (the analysis never overrides a derived key in the
 *    context: requests carry the facts of their principal and region);
 *  - every other context key a condition names: absent, or a list of values (a single value is a list of
 *    one); a list is read through the set of classes its values fall in (docs/analysis.md);
 *  - the resource URN.
 * Each variable's values are cut into classes by the predicates the two sets apply to it (values.ts); the
 * analysis decides one representative per combination of classes that matters (group.ts).
 */
import { normalizeConditionKey } from '../catalog/catalog.js';
import { compileCondition, contextOf, evalConditionValues, type CompiledCondition, type CompiledPolicySet, type CompiledStatement, type RequestContext } from './engine.js';
import { compileGlob, globsIntersect } from '../match/glob.js';
import type { ParsedCondition } from '../policy/model.js';
import { parseOperator } from '../policy/operators.js';
import type { ContextValue, Principal, PrincipalType } from '../types.js';
import { ANY, globTokens, literalTokens, NON_EMPTY, segmentAtom, STAR, StringSearch, URN_SHAPE, type Alternative, type RegularAtom, type Shape } from './strings.js';
import { NodeBudget } from './mdd.js';
import type { AnalysisLimits, Assume, ConditionRef, PrincipalClass } from './types.js';
import { SYNTAX, valueClasses, type TypedFamily, type ValueAtom, type ValueClasses } from './values.js';

// ---------------------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------------------

export const PRINCIPAL_CLASSES: readonly PrincipalClass[] = ['user_or_agency', 'account', 'scp_exempt', 'management_account'];

export const PRINCIPAL_CLASS_TEXT: Record<PrincipalClass, string> = {
  user_or_agency: 'users and agencies',
  account: 'the account itself',
  scp_exempt: 'service-linked agencies and users or agencies of the management account (no SCPs)',
  management_account: 'the management account itself',
};

/**
 * The principal of a request in a class, keeping what the assumptions fix; null when the assumptions rule
 * the class out. The engine reads only `type` and `management_account` for this (request.ts).
 */
export function principalOf(cls: PrincipalClass, assumed: Principal | undefined): Principal | null {
  const t: PrincipalType | undefined = assumed?.type;
  const m = assumed?.management_account;
  const base: Principal = { ...(assumed ?? {}) };
  const memberType = (fallback: PrincipalType): PrincipalType | null => (t === undefined ? fallback : t === 'user' || t === 'agency' ? t : null);
  switch (cls) {
    case 'user_or_agency': {
      const type = memberType('user');
      if (type === null || m === true) return null;
      return { ...base, type };
    }
    case 'account':
      if ((t !== undefined && t !== 'account') || m === true) return null;
      return { ...base, type: 'account' };
    case 'scp_exempt': {
      if (t === 'service_linked_agency' || (t === undefined && m !== true)) return { ...base, type: 'service_linked_agency' };
      const type = memberType('user');
      if (type === null || m === false) return null;
      return { ...base, type, management_account: true };
    }
    case 'management_account':
      if ((t !== undefined && t !== 'account') || m === false) return null;
      return { ...base, type: 'account', management_account: true };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------------------------------

/** Request fields the engine copies into context keys (engine/context.ts), with the schema's length limits. */
export type Field = 'user_id' | 'user_name' | 'account_id' | 'org_path' | 'region';

/** Keys the engine derives from a principal field (or the region), modelled as that field. */
export const DERIVED_KEYS: Record<string, Field> = {
  'g:userid': 'user_id',
  'g:username': 'user_name',
  'g:principalaccount': 'account_id',
  'g:principalorgpath': 'org_path',
  'g:projectname': 'region',
  'g:requestedregion': 'region',
};

export const FIELD_LIMITS: Record<Field, number> = { user_id: 256, user_name: 256, account_id: 256, org_path: 1024, region: 64 };
/** Longest context string and URN a request may carry (lib/schema/core.ts LIMITS.string). */
export const VALUE_LIMIT = 2048;
/** Values of one context key a request may carry. */
export const LIST_LIMIT = 100;

export const FIELD_LABEL: Record<Field, string> = {
  user_id: 'principal.user_id',
  user_name: 'principal.user_name',
  account_id: 'principal.account_id',
  org_path: 'principal.org_path',
  region: 'region',
};

/** One predicate on a variable: a condition of the sets, a grant scope, a Resource pattern, a resource asked about. */
export interface Atom {
  /** Index within its variable. */
  index: number;
  value: ValueAtom;
  /** For conditions (and the scopes, read as conditions): the compiled condition and how it reads a list. */
  condition: CompiledCondition | null;
  ref: ConditionRef | null;
  /** For Resource patterns: the normalised pattern. */
  pattern: string | null;
}

export type VarKind = 'list' | 'field' | 'resource';

export interface Variable {
  kind: VarKind;
  /** Normalised key (list), field name (field), `resource`. */
  id: string;
  /** How it is shown: the key as first written, or the request field. */
  label: string;
  field?: Field;
  /** A context key to show for a field (the first derived key a condition names). */
  keyLabel?: string;
  atoms: Atom[];
  atomIndex: Map<string, number>;
  classes?: ValueClasses;
}

/** The account atoms of the witness search (`Space.accountSegments`): search-atom numbers after the Resource patterns. */
export interface AccountSegments {
  /** The segment atoms, in search-atom order from the first after the Resource patterns. */
  atoms: RegularAtom[];
  /** Atom index of `principal.account_id` -> its search atom (regular atoms only). */
  ofFieldAtom: Map<number, number>;
  /** The search atom "the account segment is not empty". */
  nonEmpty: number;
  /** The search atom "the account segment is the assumed account", when the assumptions fix it. */
  assumed: number | null;
  /** The assumed account. */
  account: string | null;
}

export interface SpaceOptions {
  assume: Assume;
  limits: AnalysisLimits;
}

/**
 * Everything the sets say about the variables: the atoms of each, the facts the assumptions fix, and the
 * classes (computed once per variable, on first use, over the atoms of both sets).
 */
export class Space {
  readonly vars = new Map<string, Variable>();
  readonly resource: Variable;
  /** The assumed facts as the engine reads them (context keys with their derived defaults). */
  readonly fixed: RequestContext;
  readonly fixedKeys = new Set<string>();
  readonly fixedFields = new Set<Field>();
  /** Automaton steps taken so far by every search of the analysis (its limit is for the whole answer). */
  automatonSteps = 0;
  /** The decision-diagram nodes every group of the analysis may build together. */
  readonly nodes: NodeBudget;
  private readonly conditionAtom = new WeakMap<CompiledCondition, { v: Variable; atom: Atom } | null>();

  constructor(
    readonly sets: readonly CompiledPolicySet[],
    readonly options: SpaceOptions,
    /** Resources a question is about (checkAccessNotGranted), as normalised patterns. */
    readonly restriction: readonly string[] | null,
  ) {
    const a = options.assume;
    this.nodes = new NodeBudget(options.limits.diagramNodes);
    for (const key of Object.keys(a.context ?? {})) this.fixedKeys.add(normalizeConditionKey(key).normalized);
    for (const f of ['user_id', 'user_name', 'account_id', 'org_path'] as const) if (a.principal && f in a.principal) this.fixedFields.add(f);
    if (a.region !== undefined) this.fixedFields.add('region');
    this.fixed = contextOf(a.context, a.principal, a.region ?? undefined);
    this.resource = { kind: 'resource', id: 'resource', label: 'resource', atoms: [], atomIndex: new Map() };
    for (const set of sets) {
      for (const layer of [...set.scps, set.identity]) {
        for (const p of layer.policies) for (const st of p.statements) this.register(st);
      }
    }
    for (const r of restriction ?? []) this.resourceAtom(r);
  }

  /** Whether the assumptions fix a normalised context key (directly, or through its field). */
  isFixedKey(key: string): boolean {
    if (this.fixedKeys.has(key)) return true;
    const f = DERIVED_KEYS[key];
    return f !== undefined && this.fixedFields.has(f);
  }

  private register(st: CompiledStatement): void {
    for (const p of st.resPatterns) this.resourceAtom(p);
    for (const c of st.conditions) this.atomOf(c);
    const scope = st.scope;
    if (scope) this.atomOf(scopeCondition(st));
  }

  resourceAtom(pattern: string): Atom {
    const v = this.resource;
    let i = v.atomIndex.get(pattern);
    if (i === undefined) {
      const glob = compileGlob(pattern);
      const atom: Atom = {
        index: v.atoms.length,
        value: { holds: glob.test, regular: { alternatives: [{ tokens: globTokens(pattern), caseInsensitive: false }], negated: false }, typed: null, literals: [] },
        condition: null,
        ref: null,
        pattern,
      };
      v.atomIndex.set(pattern, (i = atom.index));
      v.atoms.push(atom);
    }
    return v.atoms[i] as Atom;
  }

  /** The variable and atom of a condition; null when the assumptions fix its key. */
  atomOf(c: CompiledCondition): { v: Variable; atom: Atom } | null {
    const known = this.conditionAtom.get(c);
    if (known !== undefined) return known;
    let result: { v: Variable; atom: Atom } | null = null;
    const key = c.key;
    const isRegion = key === REGION_KEY;
    if (!this.isFixedKey(key) && !(isRegion && this.fixedFields.has('region'))) {
      const field = isRegion ? 'region' : DERIVED_KEYS[key];
      const id = field ?? key;
      let v = this.vars.get(id);
      if (!v) {
        v = field ? { kind: 'field', id, label: FIELD_LABEL[field], field, atoms: [], atomIndex: new Map() } : { kind: 'list', id, label: c.source.key, atoms: [], atomIndex: new Map() };
        this.vars.set(id, v);
      }
      if (field && !isRegion && v.keyLabel === undefined) v.keyLabel = c.source.key;
      const ident = `${c.source.operator.written}\u0000${key}\u0000${c.source.values.join('\u0001')}`;
      let i = v.atomIndex.get(ident);
      if (i === undefined) {
        const atom: Atom = {
          index: v.atoms.length,
          value: conditionValueAtom(c),
          condition: c,
          ref: {
            operator: c.source.operator.written,
            key: isRegion ? 'region' : c.source.key,
            values: [...c.source.values],
            ...(c.source.path === '' ? { scope: true as const } : {}),
          },
          pattern: null,
        };
        v.atomIndex.set(ident, (i = atom.index));
        v.atoms.push(atom);
      }
      result = { v, atom: v.atoms[i] as Atom };
    }
    this.conditionAtom.set(c, result);
    return result;
  }

  private readonly pairs = new Map<string, number>();
  /**
   * Which of the four combinations of matching two Resource patterns may have a URN (bit 0: neither, 1: only
   * the first, 2: only the second, 3: both). A combination is ruled out only when the engine's own glob
   * intersection and coverage code proves it impossible for any string (lib/match/glob.ts; the intersection
   * takes one side without `?`, the coverage both); anything else stays possible, so the set of ruled-out combinations is exact or
   * smaller, never larger.
   */
  pairRelation(a: Atom, b: Atom): number {
    const key = `${a.index},${b.index}`;
    let r = this.pairs.get(key);
    if (r === undefined) {
      const p = a.pattern as string;
      const q = b.pattern as string;
      r = 15;
      const qPlain = !q.includes('?');
      const pPlain = !p.includes('?');
      if ((qPlain && !globsIntersect(p, q)) || (!qPlain && pPlain && !globsIntersect(q, p))) r &= ~(1 << 3);
      // Coverage takes both sides without `?`: a `?` of the covering glob would match the one character that
      // stands for a star of the other (img-? "covered" img-*, whose URNs may end with two characters).
      if (pPlain && qPlain && starPatternCovered(q, p)) r &= ~(1 << 1);
      if (pPlain && qPlain && starPatternCovered(p, q)) r &= ~(1 << 2);
      this.pairs.set(key, r);
    }
    return r;
  }

  private searcher: StringSearch | undefined;
  private segments: AccountSegments | undefined;
  /**
   * What the plain URN search found for a set of combinations of pattern matches (`Group.projectionKey`): a
   * URN that has one of them, or null when no URN has any (a proof, valid for every group of the space).
   */
  readonly urnsByPatterns = new Map<string, string | null>();
  /**
   * The witness-search automaton over every Resource pattern of the sets, then the account atoms read on the
   * URN's account segment (`accountSegments`); built once, shared by the groups.
   */
  search(): StringSearch {
    if (!this.searcher) {
      const seg = this.accountSegments();
      this.searcher = new StringSearch([...this.resource.atoms.map((a) => a.value.regular as RegularAtom), ...seg.atoms], {
        maxLength: VALUE_LIMIT,
        shape: URN_SHAPE,
        excluded: '*?',
        workLimit: this.options.limits.automatonSteps,
      });
    }
    return this.searcher;
  }

  private readonly syntaxSearches = new Map<string, StringSearch>();
  /**
   * The witness search of `search()` (the same atoms) over URNs whose account segment has the syntax of a
   * number, a date or an address of one of `families` (the automata of values.ts, supersets of what the
   * readers read): for account classes whose every value is read as one of them.
   */
  syntaxSearch(families: readonly TypedFamily[]): StringSearch {
    const key = [...families].sort().join(',');
    let s = this.syntaxSearches.get(key);
    if (!s) {
      this.search();
      const seg = this.accountSegments();
      s = new StringSearch([...this.resource.atoms.map((a) => a.value.regular as RegularAtom), ...seg.atoms], {
        maxLength: VALUE_LIMIT,
        shape: segmentSyntaxShape(families.map((f) => SYNTAX[f])),
        excluded: '*?',
        workLimit: this.options.limits.automatonSteps,
      });
      this.syntaxSearches.set(key, s);
    }
    return s;
  }

  private readonly literalSearches = new Map<string, StringSearch>();
  /**
   * The witness search over every Resource pattern and one more atom, "the URN's account segment is
   * `account`" (numbered after the patterns): for an account class no regular atom describes (one read as a
   * number, date or address), tried with the class's values one by one.
   */
  literalSearch(account: string): StringSearch {
    let s = this.literalSearches.get(account);
    if (!s) {
      const atoms = [...this.resource.atoms.map((a) => a.value.regular as RegularAtom), segmentAtom({ alternatives: [{ tokens: literalTokens(account), caseInsensitive: false }], negated: false })];
      s = new StringSearch(atoms, { maxLength: VALUE_LIMIT, shape: URN_SHAPE, excluded: '*?', workLimit: this.options.limits.automatonSteps });
      this.literalSearches.set(account, s);
    }
    return s;
  }

  /**
   * A request for a resource of another account is denied whatever the policies (docs/semantics.md,
   * "Cross-account requests"; `otherAccount` in lib/engine/request.ts): the principal's account, when the
   * request gives one, must be the URN's third segment, exactly. So a witness's URN and account are searched
   * together: the atoms of `principal.account_id` (regular ones; typed ones are read on the value found) and,
   * when the assumptions fix the account, that account, each read on the URN's account segment
   * (`segmentAtom`), numbered after the Resource patterns in the search; and "the segment is not empty" (a
   * principal field is never empty).
   */
  accountSegments(): AccountSegments {
    if (!this.segments) {
      const base = this.resource.atoms.length;
      const atoms: RegularAtom[] = [];
      const ofFieldAtom = new Map<number, number>();
      const v = this.vars.get('account_id');
      if (v) {
        for (const a of v.atoms) {
          if (!a.value.regular) continue;
          ofFieldAtom.set(a.index, base + atoms.length);
          atoms.push(segmentAtom(a.value.regular));
        }
      }
      const nonEmpty = base + atoms.length;
      atoms.push(segmentAtom({ alternatives: [{ tokens: [ANY, STAR], caseInsensitive: false }], negated: false }));
      const fixed = this.options.assume.principal?.account_id;
      let assumed: number | null = null;
      if (typeof fixed === 'string') {
        assumed = base + atoms.length;
        atoms.push(segmentAtom({ alternatives: [{ tokens: literalTokens(fixed), caseInsensitive: false }], negated: false }));
      }
      this.segments = { atoms, ofFieldAtom, nonEmpty, assumed, account: typeof fixed === 'string' ? fixed : null };
    }
    return this.segments;
  }

  private common: string[] | undefined;
  /** Readable URNs tried first as witnesses: one in the assumed region and account, a few others. */
  niceUrns(): string[] {
    if (!this.common) {
      const d = this.urnDefaults();
      this.common = [`ims:${d[1]}:${d[2]}:image:image-1`, 'ims:eu-west-0:acc-2:image:image-2', 'ims:ap-southeast-1:acc-3:image:other-image', 'obs:cn-north-4:acc-1:bucket:bucket-1'];
    }
    return this.common;
  }

  private urnDefaults(): string[] {
    const assume = this.options.assume;
    const region = typeof assume.region === 'string' && /^[a-z0-9-]+$/.test(assume.region) ? assume.region : 'cn-north-4';
    const account = assume.principal?.account_id && /^[A-Za-z0-9-]+$/.test(assume.principal.account_id) ? assume.principal.account_id : 'acc-1';
    return ['ims', region, account, 'image', 'image-1'];
  }

  private readonly filled = new Map<Atom, string[]>();
  /** A pattern with its wildcard segments filled with the defaults, other wildcards with '', '1' or 'x' (witness candidates). */
  instantiations(a: Atom): string[] {
    let out = this.filled.get(a);
    if (!out) {
      const defaults = this.urnDefaults();
      const segs = (a.pattern as string).split(':');
      out = ['', '1', 'x'].map((fill) => segs.map((seg, i) => (/^\*+$/.test(seg) ? (defaults[i] ?? 'x') : seg.replace(/\*+/g, fill).replace(/\?/g, 'x'))).join(':'));
      this.filled.set(a, out);
    }
    return out;
  }

  private readonly listChecks = new Map<Atom, string | null>();
  /**
   * The analysis reads a condition on a list of values through the classes present: `ForAllValues` needs
   * every value's class to satisfy it, anything else one (and an absent key its own answer). Checked
   * against the engine on every pair of representatives, once per condition; a problem is a bug.
   */
  listReadingProblem(v: Variable, atom: Atom): string | null {
    let problem = this.listChecks.get(atom);
    if (problem === undefined) {
      problem = null;
      const c = atom.condition as CompiledCondition;
      const all = c.qualifier === 'ForAllValues';
      const classes = this.classesOf(v).classes.filter((k) => k.rep !== null);
      outer: for (let i = 0; i < classes.length; i++) {
        for (let j = i; j < classes.length; j++) {
          const a = classes[i]!;
          const b = classes[j]!;
          const x = a.vector[atom.index] === 1;
          const y = b.vector[atom.index] === 1;
          if (evalConditionValues(c, [a.rep as string, b.rep as string]) !== (all ? x && y : x || y)) {
            problem = `internal: the engine reads the values ${JSON.stringify([a.rep, b.rep])} of ${v.label} otherwise than as a set`;
            break outer;
          }
        }
      }
      this.listChecks.set(atom, problem);
    }
    return problem;
  }

  /** Automaton steps left for the rest of the analysis (each search may take at most these). */
  stepsLeft(): number {
    return Math.max(0, this.options.limits.automatonSteps - this.automatonSteps);
  }

  /** The classes of a variable over all its atoms (computed once). */
  classesOf(v: Variable): ValueClasses {
    if (!v.classes) {
      const steps = this.stepsLeft();
      const atoms = v.atoms.map((a) => a.value);
      const nice = niceValues(v);
      const space =
        v.kind === 'resource'
          ? { nice, maxLength: VALUE_LIMIT, shape: URN_SHAPE, excluded: '*?', workLimit: steps }
          : v.kind === 'field'
            ? { nice, maxLength: FIELD_LIMITS[v.field as Field], shape: NON_EMPTY, workLimit: steps }
            : { nice, maxLength: VALUE_LIMIT, workLimit: steps };
      v.classes = valueClasses(atoms, space);
      this.automatonSteps += v.classes.work;
    }
    return v.classes;
  }
}

const NICE_FIELDS: Record<Field, string[]> = {
  user_id: ['user-1', 'user-2'],
  user_name: ['alice', 'bob'],
  account_id: ['acc-1', 'acc-2'],
  org_path: ['o-1/r-1/ou-1/acc-1', 'o-2/r-2/acc-2'],
  region: ['cn-north-4', 'eu-west-0', 'ap-southeast-1'],
};

/**
 * Readable values to prefer as representatives: the policy's own values and a few words. (Any value of a
 * class decides alike; these only make witnesses easier to read.)
 */
function niceValues(v: Variable): string[] {
  const literals = v.atoms.flatMap((a) => (a.condition ? a.condition.source.values : []));
  return [...(v.field ? NICE_FIELDS[v.field] : []), ...literals, 'example', 'other-value'];
}

/** The pseudo-key of a project scope's comparison with the request's region. */
export const REGION_KEY = '\u0000region';

const scopeConditions = new WeakMap<CompiledStatement, CompiledCondition>();

/**
 * A grant scope as a condition (docs/semantics.md, "Grant scopes"): a project scope compares the region, an
 * enterprise-project scope the values of `g:EnterpriseProjectId`; an Allow needs the request to say so
 * (`StringEquals`), a Deny applies unless it says otherwise (`StringEqualsIfExists`). The group checks this
 * reading against the engine's `scopeAdmits` on every representative it uses.
 */
export function scopeCondition(st: CompiledStatement): CompiledCondition {
  let c = scopeConditions.get(st);
  if (!c) {
    const scope = st.scope!;
    const written = st.effect === 'Allow' ? 'StringEquals' : 'StringEqualsIfExists';
    const parsed = parseOperator(written);
    if (!parsed.ok) throw new Error('unreachable: StringEquals parses');
    const key = scope.type === 'project' ? REGION_KEY : 'g:EnterpriseProjectId';
    const value = scope.type === 'project' ? scope.project : scope.enterprise_project_id;
    const source: ParsedCondition = { operator: parsed.operator, key, values: [value], path: '' };
    c = compileCondition(source);
    if (scope.type === 'project') c = { ...c, key: REGION_KEY };
    scopeConditions.set(st, c);
  }
  return c;
}

/** A condition as a predicate on one value (the engine answers; the automaton gets its text form). */
function conditionValueAtom(c: CompiledCondition): ValueAtom {
  const holds = (v: string): boolean => evalConditionValues(c, [v]);
  const values = c.source.values;
  const negated = c.op.negated;
  const alt = (tokens: number[], caseInsensitive: boolean): Alternative => ({ tokens, caseInsensitive });
  let regular: RegularAtom | null = null;
  // An operator whose family does not fit the key's type holds for no value (lib/engine/conditions.ts).
  if (c.typeMismatch) return { holds, regular: { alternatives: [], negated: false }, typed: null, literals: values };
  switch (c.op.comparison) {
    case 'equals':
      regular = { alternatives: values.map((x) => alt(literalTokens(x), false)), negated };
      break;
    case 'equals_ignore_case':
      regular = { alternatives: values.map((x) => alt(literalTokens(x.toLowerCase()), true)), negated };
      break;
    case 'match':
      regular = { alternatives: values.map((x) => alt(globTokens(x), false)), negated };
      break;
    case 'starts_with':
      regular = { alternatives: values.map((x) => alt([...literalTokens(x.toLowerCase()), STAR], true)), negated };
      break;
    case 'ends_with':
      regular = { alternatives: values.map((x) => alt([STAR, ...literalTokens(x.toLowerCase())], true)), negated };
      break;
    case 'bool': {
      const accepted = new Set(values.map((x) => x.toLowerCase()).filter((x) => x === 'true' || x === 'false'));
      regular = { alternatives: [...accepted].map((x) => alt(literalTokens(x), true)), negated: false };
      break;
    }
    case 'null':
      // Decided by presence: every value gives the same answer.
      regular = { alternatives: [alt([STAR], false)], negated: !c.nullAcceptsPresent };
      break;
    default:
      break;
  }
  if (regular) return { holds, regular, typed: null, literals: values };
  const family = c.op.family === 'date' ? 'date' : c.op.family === 'ip' ? 'ip' : 'numeric';
  return { holds, regular: null, typed: { family, values }, literals: values };
}

export type { ContextValue };

/**
 * Whether glob `p` (no `?`) matches every string of the star pattern `q` (no `?`): `q`'s stars become a
 * character no literal part of `p` contains, so only `p`'s own stars can take them. A `p` containing that
 * character answers no (the relation keeps the possibility: never claims more than it knows).
 */
function starPatternCovered(p: string, q: string): boolean {
  if (p.includes('\u0000')) return false;
  const g = compileGlob(p);
  return g.matchesAll || g.test(q.split('*').join('\u0000'));
}

/**
 * URN_SHAPE, with its third segment (the account) read by syntax automata too: the URN is refused when the
 * segment ends and none accepts it. States are interned tuples (URN state, each automaton's state or -1).
 */
export function segmentSyntaxShape(syntaxes: readonly Shape[]): Shape {
  const tuples: number[][] = [];
  const ids = new Map<string, number>();
  const idOf = (t: number[]): number => {
    const key = t.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      ids.set(key, (id = tuples.length));
      tuples.push(t);
    }
    return id;
  };
  const start = idOf([URN_SHAPE.start, ...syntaxes.map((x) => x.start)]);
  const classes = new Map<string, number>();
  return {
    start,
    step: (state, char) => {
      const [u, ...xs] = tuples[state] as number[];
      const next = URN_SHAPE.step(u as number, char);
      if (next === -1) return -1;
      if (u === 3 && char === ':') {
        // The account segment ends here: one automaton must accept it.
        if (!xs.some((x, k) => x !== -1 && (syntaxes[k] as Shape).accepts(x))) return -1;
        return idOf([next, ...xs.map(() => -1)]);
      }
      if (u === 3) {
        const ys = xs.map((x, k) => (x === -1 ? -1 : (syntaxes[k] as Shape).step(x, char)));
        if (ys.every((y) => y === -1)) return -1;
        return idOf([next, ...ys]);
      }
      return idOf([next, ...xs]);
    },
    accepts: (state) => URN_SHAPE.accepts((tuples[state] as number[])[0] as number),
    classOf: (char) => {
      const key = [URN_SHAPE.classOf(char), ...syntaxes.map((x) => x.classOf(char))].join('.');
      let id = classes.get(key);
      if (id === undefined) classes.set(key, (id = classes.size));
      return id;
    },
    chars: `:${syntaxes.map((x) => x.chars).join('')}`,
  };
}
