/**
 * Reduced, ordered multi-valued decision diagrams: sets of points of a finite product space (each variable
 * has a small domain of classes), shared and canonical, so that the set operations of the analysis
 * (union, intersection, difference) cost what the diagrams' sizes cost, and an empty set is the node FALSE.
 *
 * Node 0 is the empty set, node 1 the whole space. An inner node tests one variable and has one child per
 * value of its domain; a node whose children are all the same is never built (the variable is free there),
 * and equal nodes are built once (unique table), so equal sets are the same node. Variables are tested in
 * index order. Every node built counts against a limit: beyond it the operation throws `WorkLimitError`,
 * which the analysis turns into UNKNOWN.
 */

export const FALSE = 0;
export const TRUE = 1;

export class WorkLimitError extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** A set of values per variable (null: any value); the points whose every variable takes a value of its set. */
export type Cube = Array<Uint8Array | null>;

/**
 * Nodes that several diagrams may still build together: the analysis gives every group's diagram the same
 * budget, so its limit bounds the work of a whole answer, not of each group (a set whose every group came
 * near a per-group limit took seconds per group).
 */
export class NodeBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export class Mdd {
  private readonly varOf: number[] = [-1, -1];
  private readonly kids: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  private readonly unique = new Map<number, number[]>();
  private readonly andMemo = new Map<number, number>();
  private readonly orMemo = new Map<number, number>();
  private readonly notMemo = new Map<number, number>();

  private readonly budget: NodeBudget;

  constructor(
    /** Domain size of each variable, in test order. */
    readonly domains: readonly number[],
    /** The nodes this diagram may build: a number (its own), or a budget shared with other diagrams. */
    budget: number | NodeBudget,
  ) {
    this.budget = typeof budget === 'number' ? new NodeBudget(budget) : budget;
  }

  get size(): number {
    return this.varOf.length;
  }

  variable(node: number): number {
    return this.varOf[node] as number;
  }

  children(node: number): Int32Array {
    return this.kids[node] as Int32Array;
  }

  /** The node testing `v` with these children (reduced and shared). */
  node(v: number, children: ArrayLike<number>): number {
    const first = children[0] as number;
    let same = true;
    let h = v * 31 + 7;
    for (let i = 0; i < children.length; i++) {
      const c = children[i] as number;
      if (c !== first) same = false;
      h = (Math.imul(h, 0x01000193) ^ c) | 0;
    }
    if (same) return first;
    const bucket = this.unique.get(h);
    if (bucket) {
      for (const id of bucket) {
        if (this.varOf[id] !== v) continue;
        const k = this.kids[id] as Int32Array;
        let eq = true;
        for (let i = 0; i < k.length && eq; i++) if (k[i] !== children[i]) eq = false;
        if (eq) return id;
      }
    }
    const id = this.varOf.length;
    if (this.budget.used >= this.budget.limit) throw new WorkLimitError(`more than ${this.budget.limit} decision-diagram nodes`);
    this.budget.used++;
    this.varOf.push(v);
    this.kids.push(Int32Array.from(children));
    if (bucket) bucket.push(id);
    else this.unique.set(h, [id]);
    return id;
  }

  /** The points where variable `v` takes a value with `member(value)`. */
  literal(v: number, member: (value: number) => boolean): number {
    const d = this.domains[v] as number;
    const ch = new Int32Array(d);
    for (let i = 0; i < d; i++) ch[i] = member(i) ? TRUE : FALSE;
    return this.node(v, ch);
  }

  and(a: number, b: number): number {
    if (a === FALSE || b === FALSE) return FALSE;
    if (a === TRUE) return b;
    if (b === TRUE || a === b) return a;
    if (a > b) [a, b] = [b, a];
    const key = a * 0x4000000 + b;
    const hit = this.andMemo.get(key);
    if (hit !== undefined) return hit;
    const r = this.combine(a, b, (x, y) => this.and(x, y));
    this.andMemo.set(key, r);
    return r;
  }

  or(a: number, b: number): number {
    if (a === TRUE || b === TRUE) return TRUE;
    if (a === FALSE) return b;
    if (b === FALSE || a === b) return a;
    if (a > b) [a, b] = [b, a];
    const key = a * 0x4000000 + b;
    const hit = this.orMemo.get(key);
    if (hit !== undefined) return hit;
    const r = this.combine(a, b, (x, y) => this.or(x, y));
    this.orMemo.set(key, r);
    return r;
  }

  not(a: number): number {
    if (a === FALSE) return TRUE;
    if (a === TRUE) return FALSE;
    const hit = this.notMemo.get(a);
    if (hit !== undefined) return hit;
    const k = this.kids[a] as Int32Array;
    const ch = new Int32Array(k.length);
    for (let i = 0; i < k.length; i++) ch[i] = this.not(k[i] as number);
    const r = this.node(this.varOf[a] as number, ch);
    this.notMemo.set(a, r);
    return r;
  }

  private readonly restrictMemo = new Map<string, number>();
  /** The set with variable `v` fixed to `value` (the cofactor): a set over the other variables. */
  restrict(a: number, v: number, value: number): number {
    if (a <= TRUE) return a;
    const u = this.varOf[a] as number;
    if (u > v) return a;
    if (u === v) return (this.kids[a] as Int32Array)[value] as number;
    const key = `${a},${v},${value}`;
    const hit = this.restrictMemo.get(key);
    if (hit !== undefined) return hit;
    const k = this.kids[a] as Int32Array;
    const ch = new Int32Array(k.length);
    for (let i = 0; i < k.length; i++) ch[i] = this.restrict(k[i] as number, v, value);
    const r = this.node(u, ch);
    this.restrictMemo.set(key, r);
    return r;
  }

  andNot(a: number, b: number): number {
    return this.and(a, this.not(b));
  }

  orAll(nodes: readonly number[]): number {
    let r = FALSE;
    for (const n of nodes) r = this.or(r, n);
    return r;
  }

  private combine(a: number, b: number, op: (x: number, y: number) => number): number {
    const va = this.varOf[a] as number;
    const vb = this.varOf[b] as number;
    const v = va < vb ? va : vb;
    const d = this.domains[v] as number;
    const ka = va === v ? (this.kids[a] as Int32Array) : null;
    const kb = vb === v ? (this.kids[b] as Int32Array) : null;
    const ch = new Int32Array(d);
    for (let i = 0; i < d; i++) ch[i] = op(ka ? (ka[i] as number) : a, kb ? (kb[i] as number) : b);
    return this.node(v, ch);
  }

  /** The set of points of a cube. */
  cube(c: Cube): number {
    let r = TRUE;
    for (let v = c.length - 1; v >= 0; v--) {
      const set = c[v];
      if (!set) continue;
      const d = this.domains[v] as number;
      const ch = new Int32Array(d);
      for (let i = 0; i < d; i++) ch[i] = set[i] === 1 ? r : FALSE;
      r = this.node(v, ch);
    }
    return r;
  }

  /**
   * One point of the set (a value per variable; -1 where any value will do), or null for the empty set.
   * `prefer(v)` orders the values tried at each variable (cheaper witnesses first).
   */
  pick(a: number, prefer?: (v: number) => readonly number[]): number[] | null {
    if (a === FALSE) return null;
    const point = new Array<number>(this.domains.length).fill(-1);
    let n = a;
    while (n !== TRUE) {
      const v = this.varOf[n] as number;
      const k = this.kids[n] as Int32Array;
      const order = prefer ? prefer(v) : null;
      let chosen = -1;
      if (order)
        for (const i of order)
          if (k[i] !== FALSE) {
            chosen = i;
            break;
          }
      if (chosen === -1)
        for (let i = 0; i < k.length; i++)
          if (k[i] !== FALSE) {
            chosen = i;
            break;
          }
      point[v] = chosen;
      n = k[chosen] as number;
    }
    return point;
  }

  /** Whether the set holds the point (every variable given a value). */
  contains(a: number, point: readonly number[]): boolean {
    let n = a;
    while (n !== TRUE && n !== FALSE) n = (this.kids[n] as Int32Array)[point[this.varOf[n] as number] as number] as number;
    return n === TRUE;
  }

  /**
   * The set as disjoint cubes: the paths from the root to TRUE, where the values of a node leading to the
   * same child share one path. At most `limit` cubes (then `truncated`).
   */
  cubes(a: number, limit: number): { cubes: Cube[]; truncated: boolean } {
    const out: Cube[] = [];
    let truncated = false;
    const path: Cube = new Array<Uint8Array | null>(this.domains.length).fill(null);
    const walk = (n: number): void => {
      if (truncated || n === FALSE) return;
      if (n === TRUE) {
        if (out.length >= limit) truncated = true;
        else out.push(path.map((s) => (s ? Uint8Array.from(s) : null)));
        return;
      }
      const v = this.varOf[n] as number;
      const k = this.kids[n] as Int32Array;
      const groups = new Map<number, Uint8Array>();
      for (let i = 0; i < k.length; i++) {
        const c = k[i] as number;
        if (c === FALSE) continue;
        let g = groups.get(c);
        if (!g) groups.set(c, (g = new Uint8Array(k.length)));
        g[i] = 1;
      }
      for (const [child, set] of groups) {
        path[v] = set;
        walk(child);
        path[v] = null;
      }
    };
    walk(a);
    return { cubes: out, truncated };
  }

  private readonly supportMemo = new Map<number, number[]>();
  /** The variables the set depends on, ascending. */
  support(a: number): readonly number[] {
    if (a <= TRUE) return [];
    const hit = this.supportMemo.get(a);
    if (hit) return hit;
    const vars = new Set<number>([this.varOf[a] as number]);
    for (const c of this.kids[a] as Int32Array) for (const v of this.support(c)) vars.add(v);
    const out = [...vars].sort((x, y) => x - y);
    this.supportMemo.set(a, out);
    return out;
  }
}
