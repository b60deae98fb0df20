/**
 * `ims-authz import huawei DIR|FILE...`: reads saved Huawei API responses (a directory is read recursively, its
 * `.json` files named by their path below it, which names the owner of a response that does not name it), builds
 * and validates the plan locally (lib/import/huawei), then either prints it (`--dry-run`) or sends it to a
 * service's POST /v1/imports (`--url`, `--token`), which compares with the store and writes. docs/imports.md.
 *
 * Exit codes: 0 imported (or, with --dry-run, importable), 1 refused (findings per file), 2 unusable input,
 * usage, or a service that cannot be reached or answers otherwise.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildPlan, IMPORT_LIMITS, type ImportFile, type PlanResult } from '../lib/import/huawei/plan.js';
import { UsageError } from './args.js';
import { type Io, MAX_INPUT_BYTES, readInput } from './io.js';
import { progressMeter, type ProgressStream } from './progress.js';

/** The files of each argument: a file as given, a directory's `.json` files below it (sorted, relative names). */
export function collectFiles(paths: readonly string[], io: Io): ImportFile[] {
  const walk = io.walk ?? walkDir;
  const names: Array<{ path: string; name: string }> = [];
  for (const p of paths) {
    const inner = walk(p);
    if (inner === undefined) names.push({ path: p, name: p });
    else for (const f of inner) names.push({ path: join(p, f), name: f });
  }
  if (names.length > IMPORT_LIMITS.files) throw new UsageError('INPUT_TOO_LARGE', `${names.length} files: one import takes at most ${IMPORT_LIMITS.files}. Split it by directory.`);
  const meter = progressMeter('reading', names.length, (io.progress ?? process.stderr) as ProgressStream);
  let total = 0;
  const files = names.map(({ path, name }) => {
    const content = readInput(path, io);
    total += content.length;
    if (total > MAX_INPUT_BYTES) throw new UsageError('INPUT_TOO_LARGE', `The files are larger than ${MAX_INPUT_BYTES} bytes together.`);
    meter.tick();
    return { name, content };
  });
  meter.done();
  return files;
}

/** The `.json` files below a directory (relative, `/`-separated, sorted), or undefined when `path` is not a directory. */
function walkDir(path: string): string[] | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return undefined;
  }
  if (!isDir) return undefined;
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.json')) out.push(relative(path, p).split(/[\\/]/).join('/'));
    }
  };
  visit(path);
  return out;
}

/** What the local run prints: per file its API, items and findings, the actions outside IMS, the plan's counts. */
export function planReport(r: PlanResult): Record<string, unknown> {
  const p = r.plan;
  return {
    refused: r.refused,
    files: r.files,
    foreign_actions: r.foreign_actions,
    unknown_ims_actions: r.unknown_ims_actions,
    plan: {
      policies: p.policies.length,
      versions: p.policies.reduce((n, x) => n + x.versions.length, 0),
      principals: p.principals.length,
      memberships: p.memberships.length,
      grants: p.grants.length,
      nodes: p.nodes.length,
      scp_attachments: p.scp_attachments.length,
    },
  };
}

export function runImport({ positional, options }: { positional: string[]; options: Record<string, string | true> }, io: Io): number | Promise<number> {
  const [source, ...paths] = positional;
  if (source !== 'huawei') throw new UsageError(source === undefined ? 'MISSING_INPUT' : 'INVALID_OPTION', 'Name the source: `ims-authz import huawei DIR|FILE...`.');
  if (paths.length === 0) throw new UsageError('MISSING_INPUT', 'Give the directories or files of saved Huawei API responses.');
  const dryRun = options['dry-run'] === true;
  const request = options.request === true;
  const url = options.url as string | undefined;
  const token = options.token as string | undefined;
  if ((dryRun || request) && url !== undefined) throw new UsageError('INVALID_OPTION', '--dry-run and --request work locally: give them without --url.');
  if (dryRun && request) throw new UsageError('INVALID_OPTION', 'Give --dry-run or --request, not both.');
  if (!dryRun && !request && (url === undefined || token === undefined))
    throw new UsageError('MISSING_OPTION_VALUE', 'Give --url and --token to import into a service, --dry-run to check the files only, or --request to print the request body.');
  const files = collectFiles(paths, io);
  const result = buildPlan(files);
  const json = (v: unknown): void => io.stdout(`${JSON.stringify(v, null, 2)}\n`);
  if (result.refused || dryRun) {
    json(planReport(result));
    return result.refused ? 1 : 0;
  }
  if (request) {
    io.stdout(`${JSON.stringify({ source: 'huawei', files })}\n`);
    return 0;
  }
  return send(url as string, token as string, files, io);
}

async function send(url: string, token: string, files: ImportFile[], io: Io): Promise<number> {
  const endpoint = `${url.replace(/\/+$/, '')}/v1/imports`;
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ source: 'huawei', files }) });
  } catch (err) {
    throw new UsageError('UNREACHABLE', `Cannot reach ${endpoint}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: printed as it came.
  }
  io.stdout(`${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`);
  if (res.ok) return 0;
  return res.status === 422 ? 1 : 2;
}
