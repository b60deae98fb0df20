/**
 * The `ims-authz` command line: a thin adapter over lib/ (read input, call the library, print JSON).
 *
 *   ims-authz catalog
 *   ims-authz validate FILE|- [--type identity|scp] [--scp-revision 2024|2025-07|2025-12] [--format json|text|sarif]
 *   ims-authz evaluate FILE|-
 *   ims-authz explain  FILE|- [--text]
 *   ims-authz check no-new-access | check access-not-granted | diff | summary   (cli/analysis.ts)
 *
 * Exit codes: 0 success (validate: valid; evaluate/explain: whatever the decision; checks and diff:
 * PASS), 1 validate found error findings or a check FAIL, 2 unusable input (printed as {"error": {"code",
 * "message"}}), 3 an analysis answer UNKNOWN (never read as a PASS).
 */
import { readFileSync } from 'node:fs';
import { catalog } from '../lib/catalog/catalog.js';
import { evaluate, explain } from '../lib/engine/engine.js';
import { parseJson } from '../lib/json/source.js';
import { validationSarif } from '../lib/analysis/sarif.js';
import type { ErrorResponse, Finding, PolicyType, ScpRevision, ValidateResponse } from '../lib/types.js';
import { validate } from '../lib/validate/validate.js';
import { ANALYSIS_USAGE, runAnalysisCommand } from './analysis.js';
import { readArgs, readInput, UsageError, type Io } from './io.js';

export { readArgs, UsageError } from './io.js';

const USAGE = `Usage:
  ims-authz catalog                      print the compiled IMS action catalog (JSON)
  ims-authz validate FILE|- [options]    validate a policy document
      --type identity|scp                document kind (default identity)
      --scp-revision 2024|2025-07|2025-12  SCP syntax revision to check (default 2025-12)
      --format json|text|sarif           output (default json; --text is --format text)
  ims-authz evaluate FILE|-              decide a request (JSON) and print the response
  ims-authz explain FILE|- [--text]      decide and explain (--text: the readable rendering only)
${ANALYSIS_USAGE}

Exit codes: 0 ok (checks, diff: PASS), 1 validate found errors or a check FAILs, 2 unusable input,
3 an analysis could not decide exactly (UNKNOWN: not a PASS).`;


function renderFindings(r: ValidateResponse): string {
  const lines = [r.valid ? 'VALID' : 'INVALID'];
  const where = (f: Finding): string => (f.span ? `${f.span.start.line}:${f.span.start.column}` : f.path || '/');
  for (const f of r.findings) {
    lines.push(`${f.severity.padEnd(16)} ${f.code.padEnd(36)} ${where(f).padEnd(10)} ${f.message}${f.suggestions ? ` Did you mean: ${f.suggestions.join(', ')}?` : ''}`);
  }
  lines.push(`catalog ${r.catalog_version}`);
  return lines.join('\n');
}

function readRequest(file: string | undefined, io: Io): unknown {
  const text = readInput(file, io);
  const parsed = parseJson(text);
  if (!parsed.ok) {
    throw new UsageError('INVALID_JSON', `The request is not valid JSON: ${parsed.message} at line ${parsed.position.line} column ${parsed.position.column}.`);
  }
  return parsed.value;
}

export function runCli(argv: string[], io: Io): number {
  const json = (v: unknown): void => io.stdout(`${JSON.stringify(v, null, 2)}\n`);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'catalog': {
        readArgs(rest, {});
        json(catalog);
        return 0;
      }
      case 'validate': {
        const { positional, options } = readArgs(rest, { type: 'value', 'scp-revision': 'value', text: 'bool', format: 'value' });
        const type = (options.type ?? 'identity') as string;
        if (type !== 'identity' && type !== 'scp') throw new UsageError('INVALID_OPTION', '--type must be identity or scp.');
        const revision = (options['scp-revision'] ?? '2025-12') as string;
        if (!['2024', '2025-07', '2025-12'].includes(revision)) throw new UsageError('INVALID_OPTION', '--scp-revision must be 2024, 2025-07 or 2025-12.');
        const format = (options.format ?? (options.text ? 'text' : 'json')) as string;
        if (!['json', 'text', 'sarif'].includes(format) || (options.text && format !== 'text')) throw new UsageError('INVALID_OPTION', '--format must be json, text or sarif (--text is --format text).');
        const text = readInput(positional[0], io);
        const result = validate(text, { type: type as PolicyType, scp_revision: revision as ScpRevision });
        if (format === 'text') io.stdout(`${renderFindings(result)}\n`);
        else if (format === 'sarif') json(validationSarif(result, positional[0] === '-' ? 'stdin' : (positional[0] as string)));
        else json(result);
        return result.valid ? 0 : 1;
      }
      case 'evaluate':
      case 'explain': {
        const { positional, options } = readArgs(rest, command === 'explain' ? { text: 'bool' } : {});
        const request = readRequest(positional[0], io);
        const result = command === 'evaluate' ? evaluate(request) : explain(request);
        if ('error' in result) {
          json(result);
          return 2;
        }
        if (options.text && 'text' in result) io.stdout(`${result.text}\n`);
        else json(result);
        return 0;
      }
      case 'check':
      case 'diff':
      case 'summary':
        return runAnalysisCommand(command, rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError('UNKNOWN_COMMAND', `Unknown command "${command}". Commands: catalog, validate, evaluate, explain, check, diff, summary.`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const body: ErrorResponse = { error: { code: err.code, message: err.message } };
      json(body);
      return 2;
    }
    const body: ErrorResponse = { error: { code: 'INTERNAL_ERROR', message: 'Unexpected failure; please report it.' } };
    io.stderr(`${(err as Error).stack ?? String(err)}\n`);
    json(body);
    return 2;
  }
}

export const nodeIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
};
