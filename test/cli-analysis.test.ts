/**
 * The analysis commands (`check no-new-access`, `check access-not-granted`, `diff`, `summary`) and
 * `validate --format sarif`, driven through runCli with an in-memory io over the repository's example
 * files: exit codes (0 PASS, 1 FAIL, 2 unusable input, 3 UNKNOWN), the three formats, SARIF locations on
 * the files' lines, and every witness decided again by `evaluate` with the files' policies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitOf } from '../cli/analysis.js';
import { runCli } from '../cli/main.js';
import { checkNoNewAccess, type AnalysisFinding, type AnalysisPolicySet, type AnalysisResult, type SarifLog } from '../lib/analysis/index.js';
import { evaluate } from '../lib/engine/engine.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const FILES = [
  'examples/policies/images-read.json',
  'examples/policies/images-all.json',
  'examples/policies/ims-full-access.json',
  'examples/policies/deny-delete.json',
  'examples/policies/share-within-org.json',
  'examples/policies/needs-work.json',
  'examples/scps/deny-unencrypted-copy.json',
  'examples/sets/full-access.json',
  'examples/sets/full-access-no-unencrypted-copy.json',
  'examples/assume/users.json',
];
const files: Record<string, string> = Object.fromEntries(FILES.map((f) => [f, read(f)]));
files['full-and-deny.json'] = JSON.stringify({
  policies: [
    { id: 'full', document: JSON.parse(read('examples/policies/ims-full-access.json')) },
    { id: 'no-delete', document: JSON.parse(read('examples/policies/deny-delete.json')) },
  ],
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(argv: string[], stdin?: string): Run {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    readStdin: () => {
      if (stdin === undefined) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      return stdin;
    },
  });
  return { code, stdout, stderr };
}

const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

/** A file's set as evaluate takes it (a document file: a set of one identity policy). */
function setOf(file: string): AnalysisPolicySet {
  const v = JSON.parse(files[file] as string) as Record<string, unknown>;
  return 'policies' in v || 'scps' in v ? (v as AnalysisPolicySet) : { policies: [{ id: 'p', document: v as never }] };
}

function decide(f: AnalysisFinding, file: string): string {
  const s = setOf(file);
  const r = evaluate({ ...f.witness, ...(s.policies ? { policies: s.policies.map(({ id, document }) => ({ id, document })) } : {}), ...(s.scps ? { scps: s.scps } : {}) });
  if ('error' in r) throw new Error(r.error.message);
  return r.decision;
}

describe('check no-new-access', () => {
  it('adding "deny delete" to IMS FullAccess is PASS (exit 0)', () => {
    const r = cli(['check', 'no-new-access', '--existing', 'examples/policies/ims-full-access.json', '--proposed', 'full-and-deny.json']);
    expect(r.code).toBe(0);
    expect(json<AnalysisResult>(r)).toMatchObject({ result: 'PASS', findings: [], unknown_reasons: [] });
  });

  it('widening ims:images:get* to ims:images:* is FAIL (exit 1) with the new actions, each witness decided as claimed', () => {
    const existing = 'examples/policies/images-read.json';
    const proposed = 'examples/policies/images-all.json';
    const r = cli(['check', 'no-new-access', '--existing', existing, '--proposed', proposed]);
    expect(r.code).toBe(1);
    const out = json<AnalysisResult>(r);
    expect(out.result).toBe('FAIL');
    expect(out.findings.map((f) => f.action)).toContain('ims:images:deleteImage');
    for (const f of out.findings) {
      expect(f.action.startsWith('ims:images:get') || f.action === 'ims:images:list').toBe(false);
      expect(decide(f, proposed)).toBe('allow');
      expect(decide(f, existing)).toBe('deny');
      // The document was passed on as its text: the granting statement has its span in the file.
      expect(f.granted_by[0]).toMatchObject({ policy_id: 'images-all.json', span: { start: { line: 4 } } });
    }
  });

  it('--format sarif puts each finding on the granting statement of the proposed file', () => {
    const r = cli(['check', 'no-new-access', '--existing', 'examples/policies/images-read.json', '--proposed', 'examples/policies/images-all.json', '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = json<SarifLog>(r);
    expect(log.version).toBe('2.1.0');
    const results = log.runs[0]!.results;
    expect(results.length).toBeGreaterThan(3);
    for (const x of results) {
      expect(x.ruleId).toBe('IMS_NEW_ACCESS');
      expect(x.locations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'examples/policies/images-all.json' }, region: { startLine: 4 } });
    }
  });

  it('--format text names the files and the witness', () => {
    const r = cli(['check', 'no-new-access', '--existing', 'examples/policies/images-read.json', '--proposed', 'examples/policies/images-all.json', '--format', 'text']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL: \d+ regions found/);
    expect(r.stdout).toContain('allowed by examples/policies/images-all.json: policy images-all.json statement 0 "ReadImages" (line 4)');
    expect(r.stdout).toContain('refused by examples/policies/images-read.json: no identity Allow');
  });

  it('reads a file from standard input (-)', () => {
    const r = cli(['check', 'no-new-access', '--existing', 'examples/policies/images-all.json', '--proposed', '-'], files['examples/policies/images-read.json']);
    expect(r.code).toBe(0);
  });
});

describe('check access-not-granted, diff, summary', () => {
  it('sharing is granted inside the organization only; deleting never (exit 1)', () => {
    const file = 'examples/policies/share-within-org.json';
    const r = cli(['check', 'access-not-granted', file, '--actions', 'ims:images:share*,ims:images:delete*', '--assume', 'examples/assume/users.json']);
    expect(r.code).toBe(1);
    const out = json<AnalysisResult>(r);
    expect(out.findings.map((f) => [f.kind, f.action])).toEqual([['access_granted', 'ims:images:share']]);
    for (const f of out.findings) expect(decide(f, file)).toBe('allow');
    const none = cli(['check', 'access-not-granted', file, '--actions', 'ims:images:delete*', '--assume', 'examples/assume/users.json']);
    expect(none.code).toBe(0);
    expect(json<AnalysisResult>(none).result).toBe('PASS');
  });

  it('--resources restricts the question to those URNs', () => {
    const file = 'examples/policies/share-within-org.json';
    const other = cli(['check', 'access-not-granted', file, '--actions', 'ims:images:share', '--resources', 'ims:cn-south-1:*:image:*', '--assume', 'examples/assume/users.json']);
    expect(other.code).toBe(0);
  });

  it('the SCP that denies unencrypted copies loses exactly copyInRegion of unencrypted images', () => {
    const a = 'examples/sets/full-access.json';
    const b = 'examples/sets/full-access-no-unencrypted-copy.json';
    const r = cli(['diff', a, b]);
    expect(r.code).toBe(1);
    const out = json<AnalysisResult>(r);
    expect(out.findings).toHaveLength(1);
    const f = out.findings[0] as AnalysisFinding;
    expect([f.kind, f.action, f.witness.context]).toEqual(['lost_access', 'ims:images:copyInRegion', { 'ims:Encrypted': 'false' }]);
    expect(decide(f, a)).toBe('allow');
    expect(decide(f, b)).toBe('deny');
    // Reversed, the same region is gained; as SARIF, on the SCP's Deny for lost access.
    expect(json<AnalysisResult>(cli(['diff', b, a])).findings.map((x) => x.kind)).toEqual(['new_access']);
    const sarif = json<SarifLog>(cli(['diff', a, b, '--format', 'sarif']));
    expect(sarif.runs[0]!.results[0]).toMatchObject({ ruleId: 'IMS_LOST_ACCESS', locations: [{ physicalLocation: { artifactLocation: { uri: b } } }] });
  });

  it('diff of a set with itself is PASS (exit 0); --type scp reads a document as an SCP beside FullAccess', () => {
    expect(cli(['diff', 'examples/sets/full-access.json', 'examples/sets/full-access.json']).code).toBe(0);
    const r = cli(['summary', 'examples/scps/deny-unencrypted-copy.json', '--type', 'scp', '--assume', 'examples/assume/users.json']);
    expect(r.code).toBe(0);
  });

  it('summary: by access level, text or JSON (exit 0)', () => {
    const r = cli(['summary', 'examples/policies/share-within-org.json', '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('  conditional  ims:images:share');
    expect(r.stdout.split('\n')).toContain('  always       ims:images:list');
    const j = json<{ groups: Array<{ access_level: string; actions: Array<{ action: string; access: string }> }> }>(cli(['summary', 'examples/policies/share-within-org.json']));
    expect(j.groups.find((g) => g.access_level === 'list')?.actions.find((a) => a.action === 'ims:images:list')?.access).toBe('always');
  });

  it('UNKNOWN is exit 3, never 0', () => {
    const existing = { policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:*'] }] } }] } as AnalysisPolicySet;
    const r = checkNoNewAccess(existing, existing, { limits: { diagramNodes: 4 } });
    expect('error' in r).toBe(false);
    expect((r as AnalysisResult).result).toBe('UNKNOWN');
    expect(exitOf(r as AnalysisResult)).toBe(3);
  });
});

describe('unusable input is exit 2 with {"error"}', () => {
  it.each([
    ['no --existing', ['check', 'no-new-access', '--proposed', 'examples/policies/images-all.json'], 'MISSING_INPUT'],
    ['an argument where options go', ['check', 'no-new-access', 'x.json', '--existing', 'a', '--proposed', 'b'], 'TOO_MANY_ARGUMENTS'],
    ['an unknown check', ['check', 'everything', 'examples/sets/full-access.json'], 'UNKNOWN_COMMAND'],
    ['no question', ['check', 'access-not-granted', 'examples/sets/full-access.json'], 'MISSING_OPTION'],
    ['an unknown action', ['check', 'access-not-granted', 'examples/sets/full-access.json', '--actions', 'ims:images:dlete'], 'UNKNOWN_ACTION'],
    ['diff of one file', ['diff', 'examples/sets/full-access.json'], 'MISSING_INPUT'],
    ['diff of three files', ['diff', 'examples/sets/full-access.json', 'examples/sets/full-access.json', 'x'], 'TOO_MANY_ARGUMENTS'],
    ['a summary as SARIF', ['summary', 'examples/sets/full-access.json', '--format', 'sarif'], 'INVALID_OPTION'],
    ['an unknown format', ['diff', 'examples/sets/full-access.json', 'examples/sets/full-access.json', '--format', 'xml'], 'INVALID_OPTION'],
    ['a missing file', ['summary', 'nope.json'], 'UNREADABLE_INPUT'],
    ['an invalid policy', ['summary', 'examples/policies/needs-work.json'], 'INVALID_POLICY'],
    ['assumptions that are not an object', ['summary', 'examples/sets/full-access.json', '--assume', 'examples/policies/needs-work.json'], 'INVALID_REQUEST'],
  ])('%s', (_name, argv, code) => {
    const r = cli(argv);
    expect(r.code, r.stdout).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(r).error.code).toBe(code);
  });

  it('invalid JSON names the file and the position', () => {
    files['broken.json'] = '{"Version": "5.0",';
    const r = cli(['summary', 'broken.json']);
    expect(r.code).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({ code: 'INVALID_JSON', message: expect.stringMatching(/^broken\.json is not valid JSON: .* line 1 column/) });
  });
});

describe('validate --format', () => {
  it('sarif: each finding on its line of the file, exit 1 for errors', () => {
    const r = cli(['validate', 'examples/policies/needs-work.json', '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = json<SarifLog>(r);
    const unknown = log.runs[0]!.results.find((x) => x.ruleId === 'UNKNOWN_ACTION');
    expect(unknown?.locations[0]?.physicalLocation).toMatchObject({ artifactLocation: { uri: 'examples/policies/needs-work.json' }, region: { startLine: 6, startColumn: 18 } });
    expect(cli(['validate', 'examples/policies/images-read.json', '--format', 'sarif']).code).toBe(0);
  });

  it('text is --text; a contradiction or another format is exit 2', () => {
    expect(cli(['validate', 'examples/policies/needs-work.json', '--format', 'text']).stdout).toBe(cli(['validate', 'examples/policies/needs-work.json', '--text']).stdout);
    expect(cli(['validate', 'examples/policies/needs-work.json', '--text', '--format', 'sarif']).code).toBe(2);
    expect(cli(['validate', 'examples/policies/needs-work.json', '--format', 'yaml']).code).toBe(2);
  });
});
