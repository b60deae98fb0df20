/**
 * Runs the examples of the README and the docs pages as a reader would type them. An example is a `$ ` line
 * of a ```console block and the lines under it (its output). Supported commands, the ones the pages use:
 *  - `npx ims-authz ARGS [> FILE]`: the built CLI (dist/cli.cjs); `> FILE` writes its output to FILE;
 *  - `curl -s [-X METHOD] "$API/PATH" [-H 'k: v']... [-d @FILE | -d 'JSON'] [| jq -r .FIELD]`: the request,
 *    sent to the real function of its route (test/support/api.ts) with `$TOKEN` a token of account acc-1
 *    with every scope, as `npm start` prints it.
 * Commands of one page run in order in one scratch directory, where `examples/` and `test/fixtures/` are the
 * repository's, so a file one line writes is there for the next. A block opened with ```console exact shows the whole output:
 * it must be equal, line for line (`<uuid>` stands for any UUID); in other blocks each line shown must appear
 * in the output.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settleUsage } from '../../functions/shared/reference.js';
import { send } from './api.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DocExample {
  command: string;
  expected: string[];
  exact: boolean;
}

export function docExamples(text: string): DocExample[] {
  const out: DocExample[] = [];
  for (const block of text.matchAll(/```console( exact)?\n([\s\S]*?)```/g)) {
    let current: DocExample | null = null;
    for (const line of (block[2] as string).split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2), expected: [], exact: block[1] !== undefined };
        out.push(current);
      } else if (current && (current.exact || line.trim() !== '')) current.expected.push(line);
    }
  }
  for (const ex of out) while (ex.exact && ex.expected.at(-1) === '') ex.expected.pop();
  return out;
}

/** Shell words: whitespace-separated, with '...' and "..." quoting ($VARS are left for the runner). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) throw new Error(`unterminated quote in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export interface Outcome {
  status: number;
  stdout: string;
}

/** One page's scratch directory and the commands run in it. */
export class DocRunner {
  readonly dir = mkdtempSync(join(tmpdir(), 'ims-authz-docs-'));
  constructor(private readonly token: string) {
    symlinkSync(join(ROOT, 'examples'), join(this.dir, 'examples'));
    // The saved API responses docs/imports.md imports.
    mkdirSync(join(this.dir, 'test'));
    symlinkSync(join(ROOT, 'test/fixtures'), join(this.dir, 'test/fixtures'));
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async run(command: string): Promise<Outcome> {
    const [pipeline, redirect] = command.split(/ > /) as [string, string | undefined];
    const [first, ...filters] = pipeline.split(' | ');
    const words = shellWords(first as string);
    let outcome: Outcome;
    if (words[0] === 'npx' && words[1] === 'ims-authz') {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.cjs'), ...words.slice(2)], { cwd: this.dir, encoding: 'utf8' });
      outcome = { status: r.status ?? -1, stdout: r.stdout };
    } else if (words[0] === 'curl') outcome = await this.curl(words.slice(1));
    else throw new Error(`a docs example runs a command the runner does not know: ${command}`);
    for (const f of filters) {
      const m = /^jq -r \.([A-Za-z_]+)$/.exec(f);
      if (!m) throw new Error(`unsupported filter in a docs example: ${f}`);
      const value = (JSON.parse(outcome.stdout) as Record<string, unknown>)[m[1] as string];
      outcome = { status: outcome.status, stdout: `${typeof value === 'string' ? value : JSON.stringify(value)}\n` };
    }
    if (redirect !== undefined) {
      writeFileSync(join(this.dir, redirect.trim()), outcome.stdout);
      outcome = { status: outcome.status, stdout: '' };
    }
    return outcome;
  }

  private async curl(args: string[]): Promise<Outcome> {
    let method = 'GET';
    let url: string | undefined;
    let body: string | undefined;
    const headers: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === '-s') continue;
      if (a === '-X') method = args[++i] as string;
      else if (a === '-H') {
        const h = (args[++i] as string).replace('$TOKEN', this.token);
        const colon = h.indexOf(':');
        headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
      } else if (a === '-d') {
        const d = args[++i] as string;
        body = d.startsWith('@') ? readFileSync(join(this.dir, d.slice(1)), 'utf8') : d;
        if (method === 'GET') method = 'POST';
      } else if (a.startsWith('$API/') || a.startsWith('http://127.0.0.1:4000/')) url = a.replace(/^(\$API|http:\/\/127\.0\.0\.1:4000)/, '');
      else throw new Error(`unsupported curl argument in a docs example: ${a}`);
    }
    if (!url) throw new Error('a curl example without a URL');
    const auth = headers.authorization;
    delete headers.authorization;
    const token = auth?.replace(/^Bearer /, '');
    const reply = await send(token, method, url, body, headers);
    // The usage record of unused access is written behind the answer (docs/unused-access.md): settled before the
    // next command, as it is on a running stack long before anyone asks for the report.
    await settleUsage(5_000);
    // curl -s exits 0 whatever the HTTP status, as here; the reply is the output.
    return { status: 0, stdout: `${reply.text}\n` };
  }
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TIME = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z';
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `actual` (a line of output) is the line shown, `<uuid>` standing for any UUID and `<time>` for any ISO 8601 UTC instant. */
export function sameLine(shown: string, actual: string): boolean {
  if (!shown.includes('<uuid>') && !shown.includes('<time>')) return shown === actual;
  const pattern = shown
    .split('<uuid>')
    .map((part) => part.split('<time>').map(escapeRegex).join(TIME))
    .join(UUID);
  return new RegExp(`^${pattern}$`).test(actual);
}
