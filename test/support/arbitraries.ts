/**
 * fast-check generators of valid policy documents, SCP chains and requests over the IMS catalog.
 * Every generated document passes validation (they are built from catalog names, URN patterns and
 * well-typed condition values), so properties test the engine, not the validator.
 */
import fc from 'fast-check';
import catalog from '@ims-authz/catalog';
import type { ContextValue, EvaluateRequest, InlinePolicy, PolicyDocument, ScpLevelInput } from '../../lib/types.js';

export const ACCOUNT = 'acc-1';
export const REGION = 'cn-north-4';

export const imsActions = catalog.actions.filter((a) => a.kind === 'action').map((a) => a.name);
const aliases = catalog.actions.flatMap((a) => a.aliases);

export const actionPattern: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...imsActions) },
  { weight: 1, arbitrary: fc.constantFrom(...aliases) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('*', 'ims:*', 'ims:images:*', 'ims:*:get*', 'ims:*:list*', 'ims:images:copy*', 'ims:*Images:create', 'ims:images:???', 'IMS:Images:Get'),
  },
);

export const imageIds = ['img-1', 'img-2', 'IMG-1', 'prod-7'];
export const resourcePattern: fc.Arbitrary<string> = fc.oneof(
  fc.constant('*'),
  fc.constantFrom(...imageIds).map((id) => `ims:${REGION}:${ACCOUNT}:image:${id}`),
  fc.constantFrom('ims:*:*:image:*', `ims:${REGION}:*:image:img-*`, 'ims:*:acc-2:image:*', `IMS:${REGION}:${ACCOUNT}:image:*`, 'ims:*:*:image:img-?'),
);

interface ConditionSpec {
  operator: string;
  key: string;
  values: string[];
}

const conditionSpec: fc.Arbitrary<ConditionSpec> = fc.oneof(
  fc.record({
    operator: fc.constantFrom(
      'StringEquals',
      'StringNotEquals',
      'StringEqualsIgnoreCase',
      'StringMatch',
      'StringNotMatch',
      'StringStartWith',
      'StringEndWith',
      'StringEqualsIfExists',
      'StringNotEqualsIfExists',
    ),
    key: fc.constantFrom('g:UserName', 'g:EnterpriseProjectId', 'g:ResourceTag/env', 'g:ProjectName'),
    values: fc.array(fc.constantFrom('alice', 'Alice', 'bob', '0', 'ep-1', 'prod', 'dev', 'a*', '*e', 'cn-north-4'), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    operator: fc.constantFrom('ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ForAnyValue:StringNotEquals', 'ForAllValues:StringMatch'),
    key: fc.constantFrom('g:TagKeys', 'ims:TargetOrgPaths'),
    values: fc.array(fc.constantFrom('env', 'owner', 'cost', 'o-1/r-1/*', 'o-1/r-1/ou-a'), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    operator: fc.constantFrom('Bool', 'Null'),
    key: fc.constantFrom('ims:Encrypted', 'g:MFAPresent'),
    values: fc.constantFrom('true', 'false').map((v) => [v]),
  }),
  fc.record({
    operator: fc.constantFrom('NumberLessThan', 'NumberGreaterThanEquals', 'NumberEquals', 'NumberNotEquals'),
    key: fc.constant('g:MFAAge'),
    values: fc.array(fc.constantFrom('0', '300', '3600'), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    operator: fc.constantFrom('IpAddress', 'NotIpAddress'),
    key: fc.constant('g:SourceIp'),
    values: fc.array(fc.constantFrom('10.0.0.0/8', '192.168.1.1', '2001:db8::/32'), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    operator: fc.constantFrom('DateLessThan', 'DateGreaterThan'),
    key: fc.constant('g:CurrentTime'),
    values: fc.constantFrom('2026-01-01T00:00:00Z', '2027-06-30').map((v) => [v]),
  }),
);

function conditionBlock(specs: ConditionSpec[]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const s of specs) {
    const block = (out[s.operator] ??= {});
    // One key per operator block: a later spec of the same operator and key replaces the earlier.
    block[s.key] = s.values;
  }
  return out;
}

export interface StatementSpec {
  effect: 'Allow' | 'Deny';
  notAction: boolean;
  actions: string[];
  resourceMode: 'none' | 'list' | 'not';
  resources: string[];
  conditions: ConditionSpec[];
}

export const statementSpec: fc.Arbitrary<StatementSpec> = fc.record({
  effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
  notAction: fc.constantFrom(false, false, false, true),
  actions: fc.array(actionPattern, { minLength: 1, maxLength: 3 }),
  resourceMode: fc.constantFrom<'none' | 'list' | 'not'>('none', 'list', 'list', 'not'),
  resources: fc.array(resourcePattern, { minLength: 1, maxLength: 2 }),
  conditions: fc.array(conditionSpec, { maxLength: 2 }),
});

export function statementDocument(s: StatementSpec): Record<string, unknown> {
  const st: Record<string, unknown> = { Effect: s.effect, [s.notAction ? 'NotAction' : 'Action']: s.actions };
  if (s.resourceMode === 'list') st.Resource = s.resources;
  if (s.resourceMode === 'not') st.NotResource = s.resources;
  if (s.conditions.length > 0) st.Condition = conditionBlock(s.conditions);
  return st;
}

export function policyDocument(statements: StatementSpec[]): PolicyDocument {
  return { Version: '5.0', Statement: statements.map(statementDocument) } as PolicyDocument;
}

export const identityPolicies: fc.Arbitrary<InlinePolicy[]> = fc
  .array(fc.array(statementSpec, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 3 })
  .map((ps) => ps.map((stmts, i) => ({ id: `p${i}`, document: policyDocument(stmts) })));

const FULL_ACCESS: InlinePolicy = { id: 'FullAccess', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] } };

export const scpChain: fc.Arbitrary<ScpLevelInput[]> = fc.array(fc.tuple(fc.boolean(), fc.array(statementSpec, { minLength: 1, maxLength: 3 })), { minLength: 0, maxLength: 3 }).map((levels) =>
  levels.map(([withFull, stmts], i) => ({
    level: ['root', 'ou-a', ACCOUNT][i] ?? `lvl-${i}`,
    policies: withFull ? [FULL_ACCESS, { id: `scp${i}`, document: policyDocument(stmts) }] : [{ id: `scp${i}`, document: policyDocument(stmts) }],
  })),
);

const contextValue = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

export const requestContext: fc.Arbitrary<Record<string, ContextValue>> = fc
  .record({
    'g:EnterpriseProjectId': contextValue(fc.constantFrom('0', 'ep-1')),
    'g:ResourceTag/env': contextValue(fc.constantFrom('prod', 'dev', 'Prod')),
    'g:TagKeys': contextValue(fc.array(fc.constantFrom('env', 'owner', 'cost'), { maxLength: 3 })),
    'ims:TargetOrgPaths': contextValue(fc.array(fc.constantFrom('o-1/r-1/ou-a', 'o-2/r-9'), { maxLength: 2 })),
    'ims:Encrypted': contextValue(fc.boolean()),
    'g:MFAPresent': contextValue(fc.constantFrom('true', 'false')),
    'g:MFAAge': contextValue(fc.constantFrom(0, 120, 5000, 'abc')),
    'g:SourceIp': contextValue(fc.constantFrom('10.1.2.3', '192.168.1.1', '2001:db8::1', 'not-an-ip')),
    'g:CurrentTime': contextValue(fc.constantFrom('2025-12-31T23:00:00Z', '2026-03-01T00:00:00+08:00')),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, ContextValue>);

export const principal = fc.record({
  type: fc.constantFrom<'user' | 'agency' | 'account' | 'service_linked_agency'>('user', 'user', 'user', 'agency', 'account', 'service_linked_agency'),
  account_id: fc.constant(ACCOUNT),
  user_name: fc.constantFrom('alice', 'bob'),
  management_account: fc.constantFrom(false, false, false, true),
});

export const requestTarget = fc.oneof(
  fc.record({ action: fc.constantFrom(...imsActions), resource: fc.constantFrom(...imageIds).map((id) => `ims:${REGION}:${ACCOUNT}:image:${id}`) }),
  fc.record({ action: fc.constantFrom(...imsActions) }),
);

/** A full request: target, principal, context, identity policies and an SCP chain. */
export const evaluateRequest: fc.Arbitrary<EvaluateRequest> = fc
  .record({ target: requestTarget, principal, context: requestContext, policies: identityPolicies, scps: scpChain })
  .map(({ target, principal: p, context, policies, scps }) => ({ ...target, principal: p, region: REGION, context, policies, scps }));
