/**
 * The analysis commands of `ims-authz` (docs/analysis.md), a thin adapter over lib/analysis:
 *
 *   ims-authz check no-new-access --existing A.json --proposed B.json
 *   ims-authz check access-not-granted SET.json --actions a,b [--resources urn,...]
 *   ims-authz diff A.json B.json
 *   ims-authz summary SET.json
 *
 * Each file is a policy document (identity by default, `--type scp` for an SCP) or a policy set
 * `{policies, scps, principal, region, context}`; `--assume FILE` narrows the requests searched; `--format
 * json|text|sarif` (summary: json|text). A document is passed on as its text, so findings carry its spans
 * and SARIF places them on the file's lines.
 *
 * Exit codes: 0 PASS (summary: every action decided), 1 FAIL, 2 unusable input, 3 UNKNOWN (or a summary
 * with undecided actions).
 */
import { basename } from 'node:path';
import { analysisSarif, checkAccessNotGranted, checkNoNewAccess, diff, policySetOf, renderAnalysis, renderSummary, summarize } from '../lib/analysis/index.js';
import type { AnalysisFinding, AnalysisOptions, AnalysisPolicySet, AnalysisResult, Assume, StatementRef } from '../lib/analysis/index.js';
import { parseJson } from '../lib/json/source.js';
import type { ErrorResponse } from '../lib/types.js';
import { readArgs, UsageError } from './args.js';
import { type Io, readJsoncInput as readInput } from './io.js';

export const ANALYSIS_USAGE = `  ims-authz check no-new-access --existing A.json --proposed B.json [options]
                                         PASS when B allows nothing A denies; else FAIL with witnesses
  ims-authz check access-not-granted SET.json --actions a,b [--resources urn,...] [options]
                                         PASS when none of that access is ever allowed
  ims-authz diff A.json B.json [options]  access gained (new_access) and lost (lost_access) from A to B
  ims-authz summary SET.json [options]    every action: always / conditional (when) / never
      --type identity|scp                a file holding one document: its kind (default identity)
      --assume FILE                      facts that narrow the requests: {principal, region, context}
      --format json|text|sarif           output (default json; summary: json or text)`;

type Format = 'json' | 'text' | 'sarif';

/** One input file: the set it holds, and the policy ids it defines (for SARIF locations). */
interface Input {
  file: string;
  set: AnalysisPolicySet;
  ids: Set<string>;
}

/** Reads a policy set, or one document as a set of one (given as its text, so statements keep their spans). */
function readSet(file: string | undefined, type: 'identity' | 'scp', io: Io, what: string): Input {
  if (file === undefined) throw new UsageError('MISSING_INPUT', `Give the ${what} file (a policy document or a policy set), or - for standard input.`);
  const text = readInput(file, io);
  const parsed = parseJson(text);
  if (!parsed.ok)
    throw new UsageError('INVALID_JSON', `${file === '-' ? 'Standard input' : file} is not valid JSON: ${parsed.message} at line ${parsed.position.line} column ${parsed.position.column}.`);
  const value = parsed.value;
  const isSet = typeof value === 'object' && value !== null && !Array.isArray(value) && ('policies' in value || 'scps' in value) && !('Statement' in value);
  const id = file === '-' ? 'stdin' : basename(file);
  const set = policySetOf(isSet ? value : text, { type, id });
  if ('error' in set) throw new UsageError(set.error.code, `${file}: ${set.error.message}`);
  const ids = new Set<string>();
  if (isSet) {
    for (const p of set.policies ?? []) ids.add(p.id);
    for (const l of set.scps ?? []) for (const p of l.policies) ids.add(p.id);
  } else ids.add(id);
  return { file, set, ids };
}

function readAssume(file: string | undefined, io: Io): AnalysisOptions {
  if (file === undefined) return {};
  const text = readInput(file, io);
  const parsed = parseJson(text);
  if (!parsed.ok) throw new UsageError('INVALID_JSON', `${file} is not valid JSON: ${parsed.message} at line ${parsed.position.line} column ${parsed.position.column}.`);
  const v = parsed.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('INVALID_REQUEST', `${file}: the assumptions must be an object {principal, region, context}.`);
  return { assume: v as Assume };
}

function formatOf(options: Record<string, string | true>, allowed: readonly Format[]): Format {
  const f = (options.format ?? 'json') as string;
  if (!(allowed as readonly string[]).includes(f)) throw new UsageError('INVALID_OPTION', `--format must be ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')}.`);
  return f as Format;
}

function typeOf(options: Record<string, string | true>): 'identity' | 'scp' {
  const t = (options.type ?? 'identity') as string;
  if (t !== 'identity' && t !== 'scp') throw new UsageError('INVALID_OPTION', '--type must be identity or scp.');
  return t;
}

const list = (v: string | true | undefined, name: string): string[] | undefined => {
  if (v === undefined) return undefined;
  const items = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError('INVALID_OPTION', `--${name} needs a comma-separated list.`);
  return items;
};

/** Exit code of an answer: 0 PASS, 1 FAIL, 3 UNKNOWN. */
export const exitOf = (r: AnalysisResult): number => (r.result === 'PASS' ? 0 : r.result === 'FAIL' ? 1 : 3);

/**
 * Prints an answer. `sides[kind]`: the inputs that allow and refuse a finding of that kind (the SARIF
 * location of a statement is the file its policy came from).
 */
function output(
  r: AnalysisResult | ErrorResponse,
  format: Format,
  io: Io,
  sides: Partial<Record<AnalysisFinding['kind'], [Input, Input | null]>>,
  names: { gained?: [string, string]; lost?: [string, string] },
): number {
  if ('error' in r) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    return 2;
  }
  if (format === 'text') io.stdout(`${renderAnalysis(r, names)}\n`);
  else if (format === 'json') io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  else {
    const artifactOf = (ref: StatementRef, side: 'allowing' | 'refusing', f: AnalysisFinding): string | undefined => {
      const pair = sides[f.kind];
      const input = pair ? (side === 'allowing' ? pair[0] : pair[1]) : null;
      return input && input.file !== '-' && input.ids.has(ref.policy_id) ? input.file : undefined;
    };
    io.stdout(`${JSON.stringify(analysisSarif(r, { artifactOf }), null, 2)}\n`);
  }
  return exitOf(r);
}

/** `check`, `diff` and `summary`; returns the exit code. */
export function runAnalysisCommand(command: 'check' | 'diff' | 'summary', rest: string[], io: Io): number {
  const common = { type: 'value', assume: 'value', format: 'value' } as const;
  if (command === 'check') {
    const [sub, ...args] = rest;
    if (sub === 'no-new-access') {
      const { options } = readArgs(args, { ...common, existing: 'value', proposed: 'value' }, 0);
      const format = formatOf(options, ['json', 'text', 'sarif']);
      const type = typeOf(options);
      const existing = readSet(options.existing as string | undefined, type, io, '--existing');
      const proposed = readSet(options.proposed as string | undefined, type, io, '--proposed');
      const r = checkNoNewAccess(existing.set, proposed.set, readAssume(options.assume as string | undefined, io));
      return output(r, format, io, { new_access: [proposed, existing] }, { gained: [proposed.file, existing.file] });
    }
    if (sub === 'access-not-granted') {
      const { positional, options } = readArgs(args, { ...common, actions: 'value', resources: 'value' });
      const format = formatOf(options, ['json', 'text', 'sarif']);
      const input = readSet(positional[0], typeOf(options), io, 'policy set');
      const actions = list(options.actions, 'actions');
      const resources = list(options.resources, 'resources');
      if (actions === undefined && resources === undefined) throw new UsageError('MISSING_OPTION', 'Say which access must not be granted: --actions a,b and/or --resources urn,...');
      const r = checkAccessNotGranted(input.set, { ...(actions ? { actions } : {}), ...(resources ? { resources } : {}) }, readAssume(options.assume as string | undefined, io));
      return output(r, format, io, { access_granted: [input, null] }, {});
    }
    if (sub === undefined) throw new UsageError('MISSING_INPUT', 'Name the check: no-new-access, access-not-granted or terraform (`ims-authz help check` describes them).');
    throw new UsageError('UNKNOWN_COMMAND', `Unknown check "${sub}". Checks: no-new-access, access-not-granted, terraform.`);
  }
  if (command === 'diff') {
    const { positional, options } = readArgs(rest, common, 2);
    const format = formatOf(options, ['json', 'text', 'sarif']);
    const type = typeOf(options);
    if (positional.length < 2) throw new UsageError('MISSING_INPUT', 'Give two files: ims-authz diff A.json B.json.');
    const a = readSet(positional[0], type, io, 'first');
    const b = readSet(positional[1], type, io, 'second');
    const r = diff(a.set, b.set, readAssume(options.assume as string | undefined, io));
    return output(r, format, io, { new_access: [b, a], lost_access: [a, b] }, { gained: [b.file, a.file], lost: [a.file, b.file] });
  }
  const { positional, options } = readArgs(rest, common);
  const format = formatOf(options, ['json', 'text']);
  const input = readSet(positional[0], typeOf(options), io, 'policy set');
  const s = summarize(input.set, readAssume(options.assume as string | undefined, io));
  if ('error' in s) {
    io.stdout(`${JSON.stringify(s, null, 2)}\n`);
    return 2;
  }
  io.stdout(format === 'text' ? `${renderSummary(s)}\n` : `${JSON.stringify(s, null, 2)}\n`);
  return s.unknown_reasons.length > 0 ? 3 : 0;
}
