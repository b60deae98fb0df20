/**
 * Grant scopes of stored policies (issue 5): global / all projects apply everywhere; a project grant only
 * in its region; an enterprise-project grant only to actions that support enterprise projects and only in
 * that enterprise project. Unknown region or enterprise project: Allows do not apply, Denies do.
 */
import { describe, expect, it } from 'vitest';
import { createEvaluator, type EvaluateResponse, type GrantScope, type ScopedPolicy } from '../lib/index.js';

const allowAll = (id: string, scope: GrantScope): ScopedPolicy => ({
  id,
  document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:*'] }] },
  scope,
  source: { version: 'v1', grant_id: `g-${id}`, principal: { type: 'group', id: 'devs' }, scope },
});
const denyAll = (id: string, scope: GrantScope): ScopedPolicy => ({
  id,
  document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:*'] }] },
  scope,
});

function decide(policies: ScopedPolicy[], req: Record<string, unknown>): EvaluateResponse {
  const r = createEvaluator({ policies }).evaluate({ principal: { account_id: 'acc-1' }, ...req });
  if ('error' in r) throw new Error(JSON.stringify(r.error));
  return r;
}

const list = { action: 'ims:images:list' }; // supports enterprise projects
const get = { action: 'ims:images:get', resource: 'ims:cn-north-4:acc-1:image:i1' }; // does not

describe('grant scopes', () => {
  it.each<[string, GrantScope]>([
    ['global', { type: 'global' }],
    ['all projects', { type: 'all_projects' }],
  ])('%s grants apply in every region', (_n, scope) => {
    expect(decide([allowAll('p', scope)], { ...list, region: 'cn-north-4' }).decision).toBe('allow');
    expect(decide([allowAll('p', scope)], { ...list, region: 'eu-west-0' }).decision).toBe('allow');
  });

  it('a project grant applies only in its region', () => {
    const p = allowAll('p', { type: 'project', project: 'cn-north-4' });
    expect(decide([p], { ...list, region: 'cn-north-4' }).decision).toBe('allow');
    expect(decide([p], { ...list, region: 'cn-east-3' }).decision).toBe('deny');
    expect(decide([p], list).decision).toBe('deny'); // region unknown: the Allow does not apply
  });

  it('a project-scoped Deny applies in its region, and when the region is unknown', () => {
    const base = allowAll('base', { type: 'global' });
    const d = denyAll('d', { type: 'project', project: 'cn-north-4' });
    expect(decide([base, d], { ...list, region: 'cn-north-4' }).reason).toBe('explicit_deny');
    expect(decide([base, d], { ...list, region: 'cn-east-3' }).decision).toBe('allow');
    expect(decide([base, d], list).reason).toBe('explicit_deny');
  });

  it('an enterprise-project grant applies only in that enterprise project', () => {
    const p = allowAll('p', { type: 'enterprise_project', enterprise_project_id: 'ep-1' });
    expect(decide([p], { ...list, context: { 'g:EnterpriseProjectId': 'ep-1' } }).decision).toBe('allow');
    expect(decide([p], { ...list, context: { 'g:EnterpriseProjectId': 'ep-2' } }).decision).toBe('deny');
    expect(decide([p], list).decision).toBe('deny');
  });

  it('an enterprise-project grant never applies to actions without enterprise-project support', () => {
    const p = allowAll('p', { type: 'enterprise_project', enterprise_project_id: 'ep-1' });
    expect(decide([p], { ...get, context: { 'g:EnterpriseProjectId': 'ep-1' } }).decision).toBe('deny');
    const base = allowAll('base', { type: 'global' });
    const d = denyAll('d', { type: 'enterprise_project', enterprise_project_id: 'ep-1' });
    expect(decide([base, d], { ...get, context: { 'g:EnterpriseProjectId': 'ep-1' } }).decision).toBe('allow');
    expect(decide([base, d], { ...list, context: { 'g:EnterpriseProjectId': 'ep-1' } }).reason).toBe('explicit_deny');
    expect(decide([base, d], list).reason).toBe('explicit_deny'); // enterprise project unknown
  });

  it('matched statements and the trace name the policy version and the grant', () => {
    const p = allowAll('p', { type: 'project', project: 'cn-north-4' });
    const r = decide([p], { ...list, region: 'cn-north-4' });
    expect(r.results[0]?.matched[0]).toMatchObject({ policy_id: 'p', version: 'v1', grant_id: 'g-p' });
    const e = createEvaluator({ policies: [p] }).explain({ principal: { account_id: 'acc-1' }, ...list, region: 'cn-east-3' });
    if ('error' in e) throw new Error('unexpected');
    const pt = e.trace[0]!.layers[0]!.policies[0]!;
    expect(pt.source).toMatchObject({ version: 'v1', grant_id: 'g-p' });
    expect(pt.statements[0]?.scope_matched).toBe(false);
    expect(e.text).toContain('grant g-p');
  });
});
