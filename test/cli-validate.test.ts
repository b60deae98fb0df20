/**
 * `ims-authz validate FILE|- [--type identity|scp] [--scp-revision ...] [--text]` driven through runCli with an
 * in-memory io, plus one run of the real bundled binary (dist/cli.cjs) over standard input.
 *
 * Exit codes: 0 valid, 1 error findings, 2 unusable input (then {"error": {"code", "message"}}).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import type { Finding } from '../lib/types.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  reads: string[];
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

/** Runs the CLI against an in-memory file system and standard input. */
function cli(argv: string[], files: Record<string, string> = {}, stdin?: string): Run {
  let stdout = '';
  let stderr = '';
  const reads: string[] = [];
  const code = runCli(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readFile: (path) => {
      reads.push(path);
      const text = files[path];
      if (text === undefined) throw enoent(path);
      return text;
    },
    readStdin: () => {
      reads.push('-');
      if (stdin === undefined) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      return stdin;
    },
  });
  return { code, stdout, stderr, reads };
}

interface ValidateOutput {
  valid: boolean;
  findings: Finding[];
  catalog_version: string;
}

function json<T = ValidateOutput>(r: Run): T {
  return JSON.parse(r.stdout) as T;
}

function expectUsageError(r: Run, code: string): void {
  expect(r.code).toBe(2);
  const body = json<{ error: { code: string; message: string } }>(r);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
}

const VALID = `{
  "Version": "5.0",
  "Statement": [
    { "Effect": "Allow", "Action": ["ims:images:list", "ims:images:get"] }
  ]
}
`;
const INVALID = `{
  "Version": "5.0",
  "Statement": [
    { "Effect": "Allow", "Action": ["ims:images:dlete"] }
  ]
}
`;
const WARN_ONLY = '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:list"],"Condition":{"StringLike":{"g:UserName":"dev-*"}}}]}';
const SCP_ALLOW = '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:get"],"Resource":["*"]}]}';

describe('ims-authz validate (in-memory io)', () => {
  it('a valid file: exit 0, JSON {valid, findings, catalog_version}', () => {
    const r = cli(['validate', 'policy.json'], { 'policy.json': VALID });
    expect(r.code).toBe(0);
    expect(r.reads).toEqual(['policy.json']);
    const out = json(r);
    expect(Object.keys(out).sort()).toEqual(['catalog_version', 'findings', 'valid']);
    expect(out.valid).toBe(true);
    expect(out.findings).toEqual([]);
    expect(typeof out.catalog_version).toBe('string');
    expect(out.catalog_version.length).toBeGreaterThan(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('warnings alone still exit 0', () => {
    const r = cli(['validate', 'p.json'], { 'p.json': WARN_ONLY });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.valid).toBe(true);
    expect(out.findings.map((f) => f.code)).toEqual(['AWS_OPERATOR_NAME']);
  });

  it('an invalid file: exit 1, findings with real spans from the raw text', () => {
    const r = cli(['validate', 'bad.json'], { 'bad.json': INVALID });
    expect(r.code).toBe(1);
    const out = json(r);
    expect(out.valid).toBe(false);
    expect(out.findings).toHaveLength(1);
    const f = out.findings[0] as Finding;
    expect(f).toMatchObject({ code: 'UNKNOWN_ACTION', severity: 'error', path: '/Statement/0/Action/0', suggestions: ['ims:images:deleteImage'] });
    expect(f.span?.start).toEqual({ line: 4, column: 36, offset: INVALID.indexOf('"ims:images:dlete"') });
    expect(INVALID.slice(f.span?.start.offset, f.span?.end.offset)).toBe('"ims:images:dlete"');
    expect(r.stderr).toBe('');
  });

  it('a JSON syntax error is a finding (exit 1) with its position', () => {
    const r = cli(['validate', 'x.json'], { 'x.json': '{"Version":"5.0",\n"Statement":[}' });
    expect(r.code).toBe(1);
    const out = json(r);
    expect(out.findings).toMatchObject([{ code: 'JSON_SYNTAX_ERROR', severity: 'error', path: '', span: { start: { line: 2, column: 13 } } }]);
  });

  it('--text prints a readable report, not JSON', () => {
    const r = cli(['validate', 'bad.json', '--text'], { 'bad.json': INVALID });
    expect(r.code).toBe(1);
    expect(() => JSON.parse(r.stdout)).toThrow();
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('INVALID');
    expect(r.stdout).toContain('UNKNOWN_ACTION');
    expect(r.stdout).toContain('error');
    expect(r.stdout).toContain('4:36');
    expect(r.stdout).toContain('Did you mean: ims:images:deleteImage?');
    expect(lines[lines.length - 1]).toMatch(/^catalog \S+$/);

    const ok = cli(['validate', '--text', 'p.json'], { 'p.json': VALID });
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('VALID');
  });

  it('--type scp applies the SCP rules (and the SCP size limit)', () => {
    const identity = cli(['validate', 'scp.json'], { 'scp.json': SCP_ALLOW });
    expect(json(identity).findings).toEqual([]);

    const scp = cli(['validate', 'scp.json', '--type', 'scp'], { 'scp.json': SCP_ALLOW });
    expect(scp.code).toBe(0);
    expect(json(scp).findings).toMatchObject([{ code: 'SCP_ALLOW_NOT_SUPPORTED', severity: 'warning', path: '/Statement/0/Effect' }]);

    const inline = cli(['validate', '--type=scp', 'scp.json'], { 'scp.json': SCP_ALLOW });
    expect(json(inline).findings.map((f) => f.code)).toEqual(['SCP_ALLOW_NOT_SUPPORTED']);

    const rev2024 = cli(['validate', 'scp.json', '--type', 'scp', '--scp-revision', '2024'], { 'scp.json': SCP_ALLOW });
    expect(rev2024.code).toBe(0);
    expect(json(rev2024).findings).toEqual([]);

    const doc = { Version: '5.0', Statement: [{ Sid: '', Effect: 'Deny', Action: ['ims:images:list'] }] };
    doc.Statement[0]!.Sid = 'x'.repeat(5121 - JSON.stringify(doc).length);
    const big = JSON.stringify(doc);
    expect(big).toHaveLength(5121);
    expect(cli(['validate', 'big.json'], { 'big.json': big }).code).toBe(0);
    const tooBig = cli(['validate', 'big.json', '--type', 'scp'], { 'big.json': big });
    expect(tooBig.code).toBe(1);
    expect(json(tooBig).findings.map((f) => f.code)).toEqual(['POLICY_SIZE_EXCEEDED']);
  });

  it('--type identity is accepted explicitly', () => {
    expect(cli(['validate', 'p.json', '--type', 'identity'], { 'p.json': VALID }).code).toBe(0);
  });

  it('stdin "-"', () => {
    const r = cli(['validate', '-'], {}, INVALID);
    expect(r.code).toBe(1);
    expect(r.reads).toEqual(['-']);
    expect(json(r).findings[0]?.span?.start.line).toBe(4);
    const ok = cli(['validate', '-', '--type', 'scp'], {}, '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:share"]}]}');
    expect(ok.code).toBe(0);
    expect(json(ok)).toMatchObject({ valid: true, findings: [] });
  });

  describe('unusable input: exit 2 with {"error": {"code", "message"}}', () => {
    it('a file that does not exist', () => {
      const r = cli(['validate', 'missing.json']);
      expectUsageError(r, 'UNREADABLE_INPUT');
      expect(json<{ error: { message: string } }>(r).error.message).toContain('missing.json');
    });

    it('a file that cannot be read', () => {
      let stdout = '';
      const code = runCli(['validate', 'secret.json'], {
        stdout: (s) => {
          stdout += s;
        },
        stderr: () => {},
        readFile: () => {
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        },
        readStdin: () => '',
      });
      expectUsageError({ code, stdout, stderr: '', reads: [] }, 'UNREADABLE_INPUT');
    });

    it('standard input that cannot be read', () => {
      expectUsageError(cli(['validate', '-']), 'UNREADABLE_INPUT');
    });

    it('an unknown option', () => {
      const r = cli(['validate', 'p.json', '--strict'], { 'p.json': VALID });
      expectUsageError(r, 'UNKNOWN_OPTION');
      expect(r.reads).toEqual([]);
    });

    it('no file argument', () => {
      expectUsageError(cli(['validate']), 'MISSING_INPUT');
      expectUsageError(cli(['validate', '--text']), 'MISSING_INPUT');
    });

    it('two file arguments', () => {
      expectUsageError(cli(['validate', 'a.json', 'b.json'], { 'a.json': VALID, 'b.json': VALID }), 'TOO_MANY_ARGUMENTS');
    });

    it('a bad --type or --scp-revision, or a missing option value', () => {
      expectUsageError(cli(['validate', 'p.json', '--type', 'resource'], { 'p.json': VALID }), 'INVALID_OPTION');
      expectUsageError(cli(['validate', 'p.json', '--type', 'scp', '--scp-revision', '2023'], { 'p.json': VALID }), 'INVALID_OPTION');
      expectUsageError(cli(['validate', 'p.json', '--type'], { 'p.json': VALID }), 'MISSING_OPTION_VALUE');
    });

    it('input larger than the CLI accepts', () => {
      expectUsageError(cli(['validate', '-'], {}, ' '.repeat(8 * 1024 * 1024 + 1)), 'INPUT_TOO_LARGE');
    });
  });
});

describe('the built binary', () => {
  it('node dist/cli.cjs validate - reads stdin, prints JSON and exits 1 on errors', () => {
    const bin = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
    expect(existsSync(bin)).toBe(true);
    const res = spawnSync(process.execPath, [bin, 'validate', '-'], { input: INVALID, encoding: 'utf8', timeout: 15_000 });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(1);
    const out = JSON.parse(res.stdout) as ValidateOutput;
    expect(out.valid).toBe(false);
    expect(out.findings).toMatchObject([{ code: 'UNKNOWN_ACTION', severity: 'error', path: '/Statement/0/Action/0', span: { start: { line: 4, column: 36 } } }]);
    expect(typeof out.catalog_version).toBe('string');
  });
});
