/**
 * What a command reads and writes: the streams and files behind an `Io` (the tests give their own), the
 * input size limit, and JSON input read as JSON with comments (docs/cli.md, "Inputs").
 */
import { readFileSync } from 'node:fs';
import { blankJsonComments } from '../lib/json/jsonc.js';
import { parseJson } from '../lib/json/source.js';
import { UsageError } from './args.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => string;
  readStdin: () => string;
  /** The `.json` files below a directory, relative to it; undefined when the path is not a directory (default: the file system). */
  walk?: (path: string) => string[] | undefined;
  /** Where a progress line goes (default standard error; shown only on a terminal). */
  progress?: { isTTY?: boolean; write(s: string): unknown };
}

export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** The text of FILE (or standard input for `-`). */
export function readInput(file: string | undefined, io: Io): string {
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
 * The text of FILE with its comments and trailing commas blanked (same length, same lines and columns), so
 * the templates of `ims-authz template` can be used as they are printed, and spans point into the file.
 */
export function readJsoncInput(file: string | undefined, io: Io): string {
  return blankJsonComments(readInput(file, io));
}

/** A JSON request (JSON with comments) as a value; a syntax error is a usage error with a 1-based position. */
export function readRequest(file: string | undefined, io: Io): unknown {
  const parsed = parseJson(readJsoncInput(file, io));
  if (!parsed.ok) {
    throw new UsageError('INVALID_JSON', `The request is not valid JSON: ${parsed.message} at line ${parsed.position.line} column ${parsed.position.column + 1}.`);
  }
  return parsed.value;
}

export const nodeIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
};
