/**
 * The CLI explains itself (issue: a newcomer's first hour): `help`, `help COMMAND` and `COMMAND --help`
 * for every command of the table, each shown example run as written, `--version`, the templates (valid as
 * printed, and still valid with their commented conditions uncommented, for every action of the catalog),
 * JSON with comments as input, and the text outputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commands.js';
import { ACCESS_ROUTES, POLICIES_ROUTES } from '../functions/shared/routes.js';
import { nodeIo, runCli } from '../cli/main.js';
import { TEMPLATE_KINDS } from '../cli/templates.js';
import { catalog } from '../lib/catalog/catalog.js';
import type { EvaluateResponse, ExplainResponse, ValidateResponse } from '../lib/types.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from the repository's root on the real file system, with `files` as extra in-memory files. */
function cli(argv: string[], files: Record<string, string> = {}): Run {
  let stdout = '';
  let stderr = '';
  const root = new URL('../', import.meta.url);
  const code = runCli(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readFile: (path) => files[path] ?? nodeIo.readFile(new URL(path, root).pathname),
    readStdin: () => files['-'] ?? '',
  });
  return { code, stdout, stderr };
}

const ACTIONS = catalog.actions.filter((a) => a.kind === 'action');

describe('help', () => {
  it('lists every command, help and --version, with the exit codes', () => {
    const r = cli(['help']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    for (const c of COMMANDS) {
      // The summary ends the usage's line, or (a long usage) is the next line, in the same column as the others.
      const i = lines.findIndex((l) => l.startsWith(`  ${c.name} ${c.args}`));
      expect(i, c.name).toBeGreaterThan(0);
      const own = lines[i] as string;
      const summaryLine = own.endsWith(c.summary) ? own : (lines[i + 1] as string);
      expect(summaryLine.endsWith(c.summary), c.name).toBe(true);
      expect(summaryLine.indexOf(c.summary), `${c.name}: the summaries share one column`).toBe(lines[3]?.lastIndexOf('print the compiled'));
    }
    expect(r.stdout).toContain('help [COMMAND]');
    expect(r.stdout).toContain('--version');
    expect(r.stdout).toContain('Exit codes:');
    expect(cli(['--help']).stdout).toBe(r.stdout);
    expect(cli(['-h']).stdout).toBe(r.stdout);
  });

  it('every command of the table runs one way: from its options (run) or from its own arguments (raw)', () => {
    for (const c of COMMANDS)
      expect(
        [c.run, c.raw].filter((f) => f !== undefined),
        c.name,
      ).toHaveLength(1);
  });

  it('without a command: the help, exit 2', () => {
    const r = cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(cli(['help']).stdout);
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))("help %s, and the command's --help: usage, every option and an example", (name, c) => {
    const a = cli(['help', name]);
    const b = cli([name, '--help']);
    expect(a.code).toBe(0);
    expect(b).toEqual(a);
    expect(a.stdout).toContain(`Usage: ims-authz ${name} ${c.args}`);
    for (const option of [...Object.keys(c.options), 'help']) expect(a.stdout).toMatch(new RegExp(`^  --${option}\\b`, 'm'));
    expect(c.examples.length).toBeGreaterThan(0);
    for (const e of c.examples) expect(a.stdout).toContain(`  ims-authz ${e}`);
  });

  // The examples of commands that ask a service run against the local stack in test/cli-access.test.ts.
  it.each(COMMANDS.filter((c) => !c.service).flatMap((c) => c.examples.map((e) => [e] as const)))('the example `ims-authz %s` runs (exit 0 or 1, no error object)', (example) => {
    const r = cli(example.split(' '));
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).not.toMatch(/^\{\s*"error"/);
    expect(r.stderr).toBe('');
  });

  // A newcomer following `preview --help` with a read-only token got a 403: each service command's --token names
  // the scope of the route it calls (the route table's `auth`).
  it.each([
    ['who-can', ACCESS_ROUTES['GET /v1/access/who-can'].auth],
    ['what-can', ACCESS_ROUTES['GET /v1/access/what-can'].auth],
    ['preview', POLICIES_ROUTES['POST /v1/policies/{policy_id}/versions'].auth],
  ] as const)('%s --help: --token names the scope of the route it calls (%s)', (name, scope) => {
    expect(cli(['help', name]).stdout).toMatch(new RegExp(`^  --token TOKEN +a bearer token with ${scope}\\b`, 'm'));
  });

  it('help help is the help; check without its check names all three', () => {
    expect(cli(['help', 'help'])).toEqual({ ...cli(['help']), code: 0 });
    const r = cli(['check']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'MISSING_INPUT' } });
    for (const c of ['no-new-access', 'access-not-granted', 'terraform']) expect(JSON.parse(r.stdout).error.message).toContain(c);
    expect(JSON.parse(cli(['check', 'nope']).stdout).error.message).toContain('terraform');
  });

  it('evaluate or explain given a policy document says so, and what to run instead', () => {
    for (const command of ['evaluate', 'explain']) {
      const r = cli([command, 'examples/policies/images-read.json']);
      expect(r.code).toBe(2);
      const error = JSON.parse(r.stdout).error;
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toContain('is a policy document, not a request');
      expect(error.message).toContain('ims-authz validate FILE');
      expect(error.message).toContain(`ims-authz template ${command}`);
    }
    // A request is still decided, and a request without an action still gets the library's own answer.
    expect(cli(['evaluate', 'examples/requests/delete-image.json']).code).toBe(0);
    expect(JSON.parse(cli(['evaluate', '-'], { '-': '{}' }).stdout).error.message).toContain('"action"');
  });

  it('help for an unknown command is a usage error that lists the commands', () => {
    const r = cli(['help', 'evalute']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'UNKNOWN_COMMAND' } });
    expect(JSON.parse(r.stdout).error.message).toContain('evaluate');
  });
});

describe('--version', () => {
  it('prints the package version and the catalog version', () => {
    expect(cli(['--version'])).toEqual({ code: 0, stdout: `ims-authz ${pkg.version} (catalog ${catalog.version})\n`, stderr: '' });
    expect(cli(['version']).stdout).toBe(cli(['--version']).stdout);
  });
});

/** A template with its commented-out `"Condition"` lines uncommented. */
const uncommentConditions = (text: string): string => text.replace(/^(\s*)\/\/ ("Condition": .*)$/gm, '$1$2');

describe('template', () => {
  it.each(TEMPLATE_KINDS.map((k) => [k] as const))('%s: valid as printed and with its conditions uncommented, for every action of the catalog', (kind) => {
    for (const action of ACTIONS) {
      const r = cli(['template', kind, '--action', action.name]);
      expect(r.code, action.name).toBe(0);
      expect(r.stdout.startsWith('// '), action.name).toBe(true);
      for (const text of [r.stdout, uncommentConditions(r.stdout)]) {
        if (kind === 'policy' || kind === 'scp') {
          const v = cli(['validate', 'f.jsonc', ...(kind === 'scp' ? ['--type', 'scp'] : [])], { 'f.jsonc': text });
          const out = JSON.parse(v.stdout) as ValidateResponse;
          expect(
            out.findings.filter((f) => f.severity === 'error'),
            `${action.name}\n${text}`,
          ).toEqual([]);
          expect(v.code).toBe(0);
        } else {
          const e = cli([kind, 'f.jsonc'], { 'f.jsonc': text });
          expect(e.code, `${action.name}\n${e.stdout}`).toBe(0);
          const out = JSON.parse(e.stdout) as EvaluateResponse | ExplainResponse;
          expect(out.results.map((x) => x.action)).toEqual([action.name]);
          // As printed, the template's own policy allows the action on the resource the request names.
          if (text === r.stdout) expect(out.decision, action.name).toBe('allow');
        }
      }
    }
  });

  it('writes the resource URN in the form of the region and account, and lists the keys the action carries', () => {
    const r = cli(['template', 'evaluate', '--action', 'ims:images:share', '--region', 'ap-southeast-1', '--account', 'acc-9']);
    expect(r.stdout).toContain('"resource": "ims:ap-southeast-1:acc-9:image:3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15"');
    expect(r.stdout).toContain('"account_id": "acc-9"');
    expect(r.stdout).toContain('// "ims:TargetOrgPaths": ["example"],');
    const policy = cli(['template', 'policy', '--action', 'ims:images:share', '--region', 'ap-southeast-1', '--account', 'acc-9']).stdout;
    expect(policy).toContain('"Resource": ["ims:ap-southeast-1:acc-9:image:*"]');
    expect(policy).toContain('// "Condition": { "ForAnyValue:StringEquals": { "ims:TargetOrgPaths": ["example"] } },');
  });

  it('an action without a resource type gets "*" and no resource in the request', () => {
    const noResource = ACTIONS.find((a) => a.resource_types.length === 0);
    expect(noResource).toBeDefined();
    const name = noResource?.name as string;
    expect(cli(['template', 'policy', '--action', name]).stdout).toContain('"Resource": ["*"]');
    expect(cli(['template', 'evaluate', '--action', name]).stdout).not.toContain('"resource"');
  });

  it('refuses what it cannot template, with a usage error that says what to give', () => {
    for (const [argv, code] of [
      [['template'], 'MISSING_INPUT'],
      [['template', 'request'], 'INVALID_OPTION'],
      [['template', 'policy', '--action', 'ims:images:dlete'], 'INVALID_OPTION'],
      [['template', 'policy', '--action', 'ecs:servers:list'], 'INVALID_OPTION'],
      [['template', 'policy', '--region', 'cn north'], 'INVALID_OPTION'],
      [['template', 'policy', '--account', 'a"b'], 'INVALID_OPTION'],
      [['template', 'policy', '--actions', 'x'], 'UNKNOWN_OPTION'],
    ] as const) {
      const r = cli([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(JSON.parse(r.stdout).error.code, argv.join(' ')).toBe(code);
    }
  });
});

describe('inputs are JSON with comments', () => {
  it('validate reports positions in the file as written, comments included (1-based in text)', () => {
    const text = '// my policy\n{\n  "Version": "5.0", /* 5.0 */\n  "Statement": [{"Effect": "Allw", "Action": ["ims:images:get"], "Resource": ["*"],}],\n}\n';
    const r = cli(['validate', 'p.jsonc', '--text'], { 'p.jsonc': text });
    expect(r.code).toBe(1);
    // "Allw" starts at the 28th character of line 4 (after the 27 of `  "Statement": [{"Effect": `).
    expect(r.stdout).toMatch(/INVALID_EFFECT\s+4:28 /);
    const out = JSON.parse(cli(['validate', 'p.jsonc'], { 'p.jsonc': text }).stdout) as ValidateResponse;
    expect(out.findings[0]?.span?.start).toEqual({ line: 4, column: 27, offset: text.indexOf('"Allw"') });
  });

  it('a syntax error in a request names a 1-based line and column', () => {
    const r = cli(['evaluate', 'r.json'], { 'r.json': '{\n  "action": "ims:images:get" "x"\n}' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INVALID_JSON' });
    expect(JSON.parse(r.stdout).error.message).toContain('line 2 column 30');
  });
});

describe('text outputs', () => {
  it('evaluate --text: the decision, a line per action with what decided it, the warnings and the catalog', () => {
    const r = cli(['evaluate', 'examples/requests/delete-image.json', '--text']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DENY \(explicit_deny\): User: iam::acc-1:user:alice is not authorized/);
    expect(lines[1]).toBe('  deny  ims:images:deleteImage  ims:cn-north-4:acc-1:image:abc  Deny in no-delete statement 0');
    expect(lines.filter((l) => l.startsWith('warning: '))).toHaveLength(2);
    expect(lines.at(-1)).toBe(`catalog ${catalog.version}`);
  });

  it('catalog --text: every action once, with its access level', () => {
    const r = cli(['catalog', '--text']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(ACTIONS.length + 1);
    expect(lines.find((l) => l.startsWith('ims:images:share '))).toMatch(/permission_management\s+image\*\s+ims:TargetOrgPaths$/);
  });
});
