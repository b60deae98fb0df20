/**
 * `ims-authz check terraform PLAN.json` (docs/terraform.md): the policy documents of the huaweicloud provider's
 * IAM and Organizations resources in `terraform show -json` output, validated with findings carrying the resource
 * address; text, JSON and SARIF; exit 0 / 1 / 2; --no-new-access through the access analysis, its witnesses
 * re-decided by evaluate.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { evaluate } from '../lib/engine/engine.js';
import { NO_NEW_ACCESS } from '../lib/terraform/no-new-access.js';
import { checkTerraformPlan } from '../lib/terraform/plan.js';

const PLAN = 'test/fixtures/terraform/plan.json';
const planText = readFileSync(new URL(`../${PLAN}`, import.meta.url), 'utf8');
const plan = JSON.parse(planText) as { resource_changes: Array<{ address: string; change: { after: Record<string, unknown> | null } }> };

function cli(argv: string[], files: Record<string, string> = { [PLAN]: planText }): { code: number; stdout: string } {
  let stdout = '';
  const code = runCli(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: () => undefined,
    readFile: (path) => {
      const f = files[path];
      if (f === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return f;
    },
    readStdin: () => '',
  });
  return { code, stdout };
}

describe('the fixture plan', () => {
  const r = checkTerraformPlan(plan);

  it('finds the documents of identityv5_policy, identity_role and organizations_policy (SCPs), and lists the attachments', () => {
    expect(r?.resources.map((x) => [x.address, x.kind])).toEqual([
      ['huaweicloud_identityv5_policy.image_readers', 'identity-policy'],
      ['huaweicloud_identity_role.deployers', 'custom-role'],
      ['huaweicloud_organizations_policy.deny_image_delete', 'scp'],
      ['module.iam.huaweicloud_identityv5_policy.rendered', 'identity-policy'],
      ['huaweicloud_identityv5_policy_group_attach.readers', 'attachment'],
      ['huaweicloud_identity_role_assignment.deployers_cn_north_4', 'attachment'],
      ['huaweicloud_organizations_policy_attach.build_ou', 'attachment'],
    ]);
  });

  it('gives each finding its resource address and attribute; a document known only after apply is a warning, not a pass', () => {
    expect(r?.findings.map((f) => [f.address, f.attribute, f.code, f.severity])).toEqual([
      ['huaweicloud_identity_role.deployers', 'policy', 'UNKNOWN_ACTION', 'error'],
      ['module.iam.huaweicloud_identityv5_policy.rendered', 'policy_document', 'DOCUMENT_UNKNOWN', 'warning'],
    ]);
    expect(r?.resources.find((x) => x.address.endsWith('.rendered'))).toMatchObject({ checked: false, valid: true });
    expect(r?.valid).toBe(false);
  });

  it('keeps each document with its prior text (the --no-new-access input)', () => {
    expect(r?.changes.find((c) => c.address === 'huaweicloud_identity_role.deployers')?.before).toContain('ims:images:list');
    expect(r?.changes.find((c) => c.address === 'huaweicloud_identityv5_policy.image_readers')?.before).toBeNull();
  });

  it('reads a state (values.root_module with child modules) too', () => {
    const state = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [],
          child_modules: [
            {
              resources: [
                {
                  address: 'module.m.huaweicloud_identity_role.r',
                  mode: 'managed',
                  type: 'huaweicloud_identity_role',
                  values: { type: 'AX', policy: '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:images:list"]}]}' },
                },
              ],
            },
          ],
        },
      },
    };
    expect(checkTerraformPlan(state)).toMatchObject({ valid: true, resources: [{ address: 'module.m.huaweicloud_identity_role.r', kind: 'custom-role' }] });
  });

  it('refuses a bad role type and an unsupported format major version', () => {
    const bad = structuredClone(plan);
    const role = bad.resource_changes.find((c) => c.address === 'huaweicloud_identity_role.deployers');
    if (role?.change.after) role.change.after.type = 'AA';
    expect(checkTerraformPlan(bad)?.findings.some((f) => f.code === 'INVALID_ROLE_TYPE')).toBe(true);
    expect(checkTerraformPlan({ ...plan, format_version: '2.0' })).toBeNull();
    expect(checkTerraformPlan({ hello: 1 })).toBeNull();
  });
});

describe('the command', () => {
  it('exits 1 on error findings, with the address in every output format', () => {
    const text = cli(['check', 'terraform', PLAN, '--format', 'text']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('error UNKNOWN_ACTION huaweicloud_identity_role.deployers (policy)');
    const json = cli(['check', 'terraform', PLAN]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).findings[0].address).toBe('huaweicloud_identity_role.deployers');
    const sarif = JSON.parse(cli(['check', 'terraform', PLAN, '--format', 'sarif']).stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'UNKNOWN_ACTION',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: PLAN } }, logicalLocations: [{ fullyQualifiedName: 'huaweicloud_identity_role.deployers.policy/Statement/0/Action/1' }] }],
    });
  });

  it('exits 0 when every document is valid', () => {
    const fixed = planText.replaceAll('ims:images:dlete', 'ims:images:get');
    expect(cli(['check', 'terraform', 'ok.json', '--format', 'text'], { 'ok.json': fixed }).code).toBe(0);
  });

  it('exits 2 for usage and a file that is not a plan', () => {
    expect(cli(['check', 'terraform', 'x.json'], { 'x.json': '{"a":1}' }).code).toBe(2);
    expect(cli(['check', 'terraform', PLAN, '--format', 'xml']).code).toBe(2);
    expect(cli(['check', 'cloudformation', PLAN]).code).toBe(2);
  });

  it('--no-new-access: each planned identity document against its prior text, with witnesses the planned document allows and the prior one does not', () => {
    const fixed = planText.replaceAll('ims:images:dlete', 'ims:images:get');
    const r = cli(['check', 'terraform', 'ok.json', '--no-new-access'], { 'ok.json': fixed });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; new_access: Array<{ address: string; type: string; action: string; resource?: string; context?: Record<string, unknown> }> };
    expect(out.valid).toBe(true);
    expect(out.new_access.length).toBeGreaterThan(0);
    const changes = checkTerraformPlan(JSON.parse(fixed))!.changes;
    for (const w of out.new_access.filter((x) => x.type === 'identity')) {
      expect(w.action).not.toBe('*');
      const c = changes.find((x) => x.address === w.address)!;
      const request = { principal: { account_id: 'acc-1', user_id: 'u-1' }, action: w.action, ...(w.resource ? { resource: w.resource } : {}), ...(w.context ? { context: w.context } : {}) };
      const after = evaluate({ ...request, policies: [{ id: 'after', document: c.after }] });
      expect('error' in after ? after : after.decision, `${w.address} ${w.action}`).toBe('allow');
      if (c.before !== null) {
        const before = evaluate({ ...request, policies: [{ id: 'before', document: c.before }] });
        expect('error' in before ? before : before.decision).toBe('deny');
      }
    }
    // No change, no new access; a new SCP only takes access away.
    expect(NO_NEW_ACCESS!(changes.map((c) => ({ ...c, before: c.after })))).toEqual([]);
    expect(NO_NEW_ACCESS!(changes.filter((c) => c.type === 'scp').map((c) => ({ ...c, before: null })))).toEqual([]);
  });
});

describe('the CI recipe of docs/terraform.md', () => {
  it('runs its ims-authz lines on the fixture plan as plan.json: the text step fails the job, the SARIF step writes a report', () => {
    const page = readFileSync(new URL('../docs/terraform.md', import.meta.url), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const lines = block
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
    expect(lines).toContain('terraform show -json tfplan > plan.json');
    const ours = lines.filter((l) => l.startsWith('npx ims-authz '));
    expect(ours).toHaveLength(2);
    const dir = mkdtempSync(join(tmpdir(), 'ims-authz-tf-'));
    try {
      copyFileSync(new URL(`../${PLAN}`, import.meta.url), join(dir, 'plan.json'));
      const bin = new URL('../dist/cli.cjs', import.meta.url).pathname;
      const [text, sarif] = ours.map((l) => {
        const args = l
          .replace(/ \|\| true$/, '')
          .replace(/ > \S+$/, '')
          .split(' ')
          .slice(2);
        return spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
      }) as [ReturnType<typeof spawnSync>, ReturnType<typeof spawnSync>];
      expect(text.status).toBe(1);
      expect(String(text.stdout)).toContain('huaweicloud_identity_role.deployers');
      expect(JSON.parse(String(sarif.stdout)).runs[0].results.length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
