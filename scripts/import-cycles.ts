/**
 * Import cycles among the project's TypeScript sources (test/import-cycles.test.ts runs it in the suite,
 * so a new cycle fails CI). A cycle ties modules so that neither can be read, tested or loaded alone, and
 * in a bundle it decides which module sees the other half-initialised.
 *
 * Every relative import counts: `import ... from`, `export ... from`, side-effect `import '...'`, dynamic
 * `import('...')` and type-only imports (a type cycle is a design cycle, whatever the emitted code).
 * Package imports are not followed. `./x.js` resolves to `./x.ts` (NodeNext), `./dir` to `./dir/index.ts`.
 * Lines that are comments (`//`, or JSDoc lines starting with `*`) are skipped, so an example in a comment
 * is not an import.
 *
 *   npx tsx scripts/import-cycles.ts      (prints each cycle; exit code 1 when there is one)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The source folders of the project (everything tsconfig.json and web/tsconfig.json include, but package declarations). */
export const SOURCE_DIRS = ['lib', 'cli', 'functions', 'store', 'infra', 'scripts', 'bench', 'test', 'web'];

const STATIC = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative import specifiers of a module's text (comment lines blanked first). */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/^[ \t]*(?:\/\/|\/\*|\*).*$/gm, '');
  const out: string[] = [];
  for (const re of [STATIC, SIDE_EFFECT, DYNAMIC]) for (const m of code.matchAll(re)) if (m[1]?.startsWith('.')) out.push(m[1]);
  return out;
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = base.endsWith('.js') ? [`${base.slice(0, -3)}.ts`] : base.endsWith('.ts') ? [base] : [`${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The import graph of the `.ts` files under `dirs` of `root`: file -> the files it imports. */
export function importGraph(root: string, dirs: readonly string[] = SOURCE_DIRS): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => sourceFiles(join(root, d)))) {
    const targets = importSpecifiers(readFileSync(file, 'utf8')).map((s) => resolveImport(file, s));
    graph.set(file, [...new Set(targets.filter((t): t is string => t !== undefined))]);
  }
  return graph;
}

/**
 * The cycles of a graph: one per strongly connected component with more than one module (or a module that
 * imports itself), as a path that starts and ends at the same module.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm, iterative (no recursion limit on deep graphs).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || (graph.get(frame.node) ?? []).includes(frame.node)) components.push(component);
      }
    }
  }
  return components.map((c) => cyclePath(graph, new Set(c)));
}

/** A closed path through a strongly connected component (breadth-first from its first module back to it). */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path: string[] = [];
        for (let at: string | undefined = node; at !== undefined; at = at === start ? undefined : previous.get(at)) path.push(at);
        return [...path.reverse(), start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/** Every import cycle of the project at `root`, each as paths relative to `root` (`a.ts -> b.ts -> a.ts`). */
export function findImportCycles(root: string, dirs: readonly string[] = SOURCE_DIRS): string[][] {
  return findCycles(importGraph(root, dirs)).map((cycle) => cycle.map((f) => relative(root, f).split(sep).join('/')));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cycles = findImportCycles(join(dirname(fileURLToPath(import.meta.url)), '..'));
  for (const c of cycles) process.stdout.write(`${c.join(' -> ')}\n`);
  process.stdout.write(cycles.length === 0 ? 'no import cycles\n' : `${cycles.length} import cycle(s)\n`);
  process.exitCode = cycles.length === 0 ? 0 : 1;
}
