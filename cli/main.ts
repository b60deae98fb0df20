/**
 * The `ims-authz` command line: a thin adapter over lib/ (read input, call the library, print JSON).
 *
 *   ims-authz catalog
 *   ims-authz validate FILE|- [--type identity|scp] [--scp-revision 2024|2025-07|2025-12] [--text]
 *   ims-authz evaluate FILE|-
 *   ims-authz explain  FILE|- [--text]
 *
 * Exit codes: 0 success (validate: valid; evaluate/explain: whatever the decision), 1 validate found
 * error findings, 2 unusable input (printed as {"error": {"code", "message"}}).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { catalog } from '../lib/catalog/catalog.js';
import { evaluate, explain } from '../lib/engine/engine.js';
import { parseJson } from '../lib/json/source.js';
import type { ErrorResponse, Finding, PolicyType, ScpRevision, ValidateResponse } from '../lib/types.js';
import { validate } from '../lib/validate/validate.js';

const MAX_INPUT_BYTES = 8 * 1024 * 1024;

const USAGE = `Usage:
  ims-authz catalog                      print the compiled IMS action catalog (JSON)
  ims-authz validate FILE|- [options]    validate a policy document
      --type identity|scp                document kind (default identity)
      --scp-revision 2024|2025-07|2025-12  SCP syntax revision to check (default 2025-12)
      --text                             readable output instead of JSON
  ims-authz evaluate FILE|-              decide a request (JSON) and print the response
  ims-authz explain FILE|- [--text]      decide and explain (--text: the readable rendering only)

Exit codes: 0 ok, 1 validate found errors, 2 unusable input.`;

export class UsageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => string;
  readStdin: () => string;
}

function readInput(file: string | undefined, io: Io): string {
  if (file === undefined) throw new UsageError('MISSING_INPUT', 'Give a file name, or - to read standard input.');
  let text: string;
  try {
    text = file === '-' ? io.readStdin() : io.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError('UNREADABLE_INPUT', code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file === '-' ? 'standard input' : file}: ${code ?? String(err)}`);
  }
  if (text.length > MAX_INPUT_BYTES) throw new UsageError('INPUT_TOO_LARGE', `The input is larger than ${MAX_INPUT_BYTES} bytes.`);
  return text;
}

/**
 * The command's options and argument. node:util `parseArgs` reads the command line (as tokens, without its
 * strict checks); these rules give them the meaning they have always had: `--name value` or `--name=value`
 * (the value is everything after the first '=', so `--type=scp=scp` keeps its second '='), a flag takes no
 * value (`--text=x` is refused), option names are own keys of `flags` only (`--constructor` and
 * `--__proto__` are unknown options, never Object.prototype's members), `--` is an unknown option (not an
 * end of options), an argument starting with a single '-' is an argument (`-` is standard input), and the
 * first problem in command-line order is the one reported. test/cli-args.test.ts checks these rules
 * against the hand-written parser this replaced.
 */
export function readArgs(args: string[], flags: Record<string, 'bool' | 'value'>): { positional: string[]; options: Record<string, string | true> } {
  const config: Record<string, { type: 'boolean' | 'string' }> = Object.create(null) as Record<string, { type: 'boolean' | 'string' }>;
  for (const [name, kind] of Object.entries(flags)) config[name] = { type: kind === 'bool' ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const positional: string[] = [];
  const options: Record<string, string | true> = Object.create(null) as Record<string, string | true>;
  let shortIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positional.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') throw new UsageError('UNKNOWN_OPTION', 'Unknown option --.');
    const raw = args[token.index] as string;
    if (!raw.startsWith('--')) {
      // `-x`, `-abc`, `-1`: parseArgs reads short options (a group is several tokens); here they are arguments.
      if (token.index !== shortIndex) positional.push(raw);
      shortIndex = token.index;
      continue;
    }
    // The name as written before the first '=' (parseArgs reads `--=x` as the option "=x"; the message says `--`).
    const eq = raw.indexOf('=');
    const name = eq === -1 ? raw.slice(2) : raw.slice(2, eq);
    // Own keys only: `--constructor` or `--__proto__` must not find Object.prototype's members.
    const kind = Object.prototype.hasOwnProperty.call(flags, name) ? flags[name] : undefined;
    if (!kind) throw new UsageError('UNKNOWN_OPTION', `Unknown option --${name}.`);
    if (kind === 'bool') {
      if (token.inlineValue) throw new UsageError('INVALID_OPTION', `--${name} takes no value.`);
      options[name] = true;
    } else {
      if (token.value === undefined) throw new UsageError('MISSING_OPTION_VALUE', `--${name} needs a value.`);
      options[name] = token.value;
    }
  }
  if (positional.length > 1) throw new UsageError('TOO_MANY_ARGUMENTS', `Unexpected argument ${positional[1]}.`);
  return { positional, options };
}

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
        const { positional, options } = readArgs(rest, { type: 'value', 'scp-revision': 'value', text: 'bool' });
        const type = (options.type ?? 'identity') as string;
        if (type !== 'identity' && type !== 'scp') throw new UsageError('INVALID_OPTION', '--type must be identity or scp.');
        const revision = (options['scp-revision'] ?? '2025-12') as string;
        if (!['2024', '2025-07', '2025-12'].includes(revision)) throw new UsageError('INVALID_OPTION', '--scp-revision must be 2024, 2025-07 or 2025-12.');
        const text = readInput(positional[0], io);
        const result = validate(text, { type: type as PolicyType, scp_revision: revision as ScpRevision });
        if (options.text) io.stdout(`${renderFindings(result)}\n`);
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
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError('UNKNOWN_COMMAND', `Unknown command "${command}". Commands: catalog, validate, evaluate, explain.`);
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
