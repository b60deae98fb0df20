/**
 * Seeded, reproducible benchmark workloads: policy sets of a given shape (identity policies x statements,
 * plus an SCP chain) and generated requests mixing the catalog's actions, resources and context values.
 */
import catalog from '@ims-authz/catalog';
import type { EvaluateRequest, InlinePolicy, PolicyDocument, ScpLevelInput } from '../lib/types.js';

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Workload {
  name: string;
  policies: InlinePolicy[];
  scps: ScpLevelInput[];
  requests: EvaluateRequest[];
}

const ACTIONS = catalog.actions.filter((a) => a.kind === 'action');
const REGIONS = ['cn-north-4', 'cn-east-3', 'ap-southeast-1'];
const ACCOUNTS = ['acc-1', 'acc-2'];

export function buildWorkload(name: string, policyCount: number, statementsPerPolicy: number, scpLevels: number, requestCount: number, seed: number): Workload {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const actionPattern = (): string => {
    const a = pick(ACTIONS);
    const x = r();
    if (x < 0.55) return a.name;
    if (x < 0.7) return `${a.name.slice(0, a.name.lastIndexOf(':') + 1)}*`;
    if (x < 0.8) return `ims:*:${a.name.split(':')[2]!.slice(0, 3)}*`;
    if (x < 0.9) return a.name.replace(/.$/, '?');
    return a.aliases[0] ?? a.name;
  };
  const resource = (): string[] => {
    const x = r();
    if (x < 0.35) return ['*'];
    if (x < 0.6) return [`ims:${pick(REGIONS)}:${pick(ACCOUNTS)}:image:*`];
    if (x < 0.8) return [`ims:*:${pick(ACCOUNTS)}:image:img-${Math.floor(r() * 50)}*`];
    return [`ims:${pick(REGIONS)}:*:image:img-${Math.floor(r() * 50)}`, `ims:*:*:image:prod-*`];
  };
  const condition = (): Record<string, Record<string, string[]>> | undefined => {
    const x = r();
    if (x < 0.5) return undefined;
    if (x < 0.6) return { StringEquals: { 'g:EnterpriseProjectId': [pick(['0', 'ep-1', 'ep-2'])] } };
    if (x < 0.7) return { 'ForAnyValue:StringEquals': { 'g:TagKeys': ['env', 'owner'] } };
    if (x < 0.8) return { Bool: { 'ims:Encrypted': [pick(['true', 'false'])] } };
    if (x < 0.9) return { IpAddress: { 'g:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } };
    return { StringMatch: { 'g:ResourceTag/env': ['prod*'] }, NumberLessThan: { 'g:MFAAge': ['3600'] } };
  };
  const statement = (deny: boolean): Record<string, unknown> => {
    const st: Record<string, unknown> = { Effect: deny ? 'Deny' : 'Allow', Action: Array.from({ length: 1 + Math.floor(r() * 3) }, actionPattern) };
    const res = resource();
    const actions = st.Action as string[];
    // Statements naming only no-resource actions use "*".
    const needsStar = actions.every((p) => !p.includes('*') && !p.includes('?') && catalog.actions.find((a) => a.name === p)?.resource_types.length === 0);
    st.Resource = needsStar ? ['*'] : res;
    const c = condition();
    if (c) st.Condition = c;
    return st;
  };
  const policies: InlinePolicy[] = Array.from({ length: policyCount }, (_, i) => ({
    id: `policy-${i}`,
    document: { Version: '5.0', Statement: Array.from({ length: statementsPerPolicy }, () => statement(r() < 0.15)) } as PolicyDocument,
  }));
  const full: InlinePolicy = { id: 'FullAccess', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] } };
  const levels = ['r-1', 'ou-a', 'acc-1', 'ou-b', 'ou-c'];
  const scps: ScpLevelInput[] = Array.from({ length: scpLevels }, (_, i) => ({
    level: levels[i] ?? `lvl-${i}`,
    policies: [
      full,
      {
        id: `guardrail-${i}`,
        document: {
          Version: '5.0',
          Statement: [
            { Effect: 'Deny', Action: [pick(['ims:images:share', 'ims:images:export', 'ims:images:deleteImage'])], Condition: { StringNotEquals: { 'g:PrincipalAccount': ['acc-1'] } } },
            { Effect: 'Deny', Action: ['ims:images:copy*'], Condition: { Bool: { 'ims:Encrypted': ['false'] } } },
          ],
        } as PolicyDocument,
      },
    ],
  }));
  const requests: EvaluateRequest[] = Array.from({ length: requestCount }, () => {
    const a = pick(ACTIONS);
    const region = pick(REGIONS);
    const account = pick(ACCOUNTS);
    const req: EvaluateRequest = {
      principal: { account_id: account, user_name: pick(['alice', 'bob', 'carol']) },
      action: a.name,
      region,
      context: {
        'g:EnterpriseProjectId': pick(['0', 'ep-1', 'ep-2']),
        'g:SourceIp': pick(['10.1.2.3', '172.16.0.9', '192.168.7.7']),
        'ims:Encrypted': r() < 0.5,
        'g:TagKeys': r() < 0.5 ? ['env'] : ['cost'],
        'g:ResourceTag/env': pick(['prod', 'dev']),
        'g:MFAAge': Math.floor(r() * 7200),
      },
    };
    if (a.resource_types.length > 0) req.resource = `ims:${region}:${account}:image:${pick(['img-', 'prod-'])}${Math.floor(r() * 60)}`;
    return req;
  });
  return { name, policies, scps, requests };
}

export const WORKLOADS = {
  small: () => buildWorkload('small', 1, 3, 0, 10_000, 1),
  realistic: () => buildWorkload('realistic', 10, 5, 3, 10_000, 2),
  large: () => buildWorkload('large', 100, 10, 3, 10_000, 3),
};
