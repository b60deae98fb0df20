/**
 * Peer benchmark: @cloud-copilot/iam-simulate on a policy set equivalent to a benchmark workload, written
 * as AWS IAM JSON, timed warm with `runSimulation` (its own entry point: it validates the policies and
 * checks the action, resource ARN and context keys against its AWS catalog on every call).
 *
 * LICENCE: iam-simulate (and its iam-policy dependency) is AGPL-3.0-or-later. It is a devDependency used
 * only by this benchmark: never import it from lib/, functions/, cli/ or store/, never bundle or ship it.
 *
 * Translation (decisions match ours on the benchmark workloads; `agreement` in the result checks it):
 * - Actions: each IMS action maps to one EC2 action (EC2_ACTIONS below). The map is one-to-one, and keeps
 *   the resource-type shape: IMS actions with no resource type map to EC2 actions iam-simulate treats as
 *   wildcard-only (requested on `*`, as our engine requests them), image-typed ones to EC2 actions on the
 *   `image` resource type. The names are the nearest EC2 image actions of that shape (list→DescribeImages,
 *   get→DescribeImageAttribute, share→ModifyImageAttribute, copyInRegion→CopyImage, export→ExportImage,
 *   deleteImage→DeregisterImage, setTags→CreateTags, getTags→DescribeTags, ...); where EC2 has no action of
 *   both the meaning and the shape (ImportImage and RegisterImage need an image resource, IMS import/create
 *   have none), the shape wins and the name is only a stand-in. Our action patterns are expanded over the
 *   IMS catalog with our glob semantics and written as explicit EC2 action lists (an `ec2:*Image*` style
 *   wildcard would cover other EC2 actions and could not keep the sets equal); `*` stays `*`.
 * - Resources: `ims:<region>:<account>:image:<id>` → `arn:aws:ec2:<region>::image/<account>.<id>`
 *   (patterns alike, wildcards kept). EC2 image ARNs have an empty account field (iam-simulate refuses
 *   others), so the account moves into the image id; region names are kept (iam-simulate accepts them).
 * - Conditions: same operators (StringMatch→StringLike, Number*→Numeric*, Bool, IpAddress, qualifiers,
 *   IfExists), on global AWS keys iam-simulate accepts for every action, of the same types:
 *   g:EnterpriseProjectId→aws:PrincipalTag/EnterpriseProjectId (string), g:TagKeys→aws:TagKeys (string
 *   list), ims:Encrypted→aws:SecureTransport (bool; EC2 has no encrypted key on images), g:SourceIp→
 *   aws:SourceIp (ip), g:ResourceTag/<k>→aws:ResourceTag/<k>, g:MFAAge→aws:MultiFactorAuthAge (numeric),
 *   g:PrincipalAccount→aws:PrincipalAccount (account ids mapped to 12 digits; iam-simulate does not fill it
 *   from the principal, so the request context carries it, as our engine fills it).
 * - SCPs: its serviceControlPolicies chain (root → OU → account), the same "every level must allow, any
 *   Deny denies" rule as ours; SCP statements without Resource get `"Resource": "*"` (same meaning).
 * - The request context carries the keys the policy set reads (strings; lists for aws:TagKeys).
 * - Principal `arn:aws:iam::<account>:user/<name>`; the resource is in the principal's account (our
 *   workloads never cross accounts), so no resource policy is involved. No RCPs beyond its default.
 * Policies are passed as plain documents, so runSimulation validates them on every call (its default use).
 * Wrapping them once as iam-policy ValidatedPolicy objects skips that: measured at about the same time on
 * the small set and 15-25% less on the realistic and large sets; not done here.
 */
import type { Simulation } from '@cloud-copilot/iam-simulate';
import { lookupAction } from '../../lib/catalog/catalog.js';
import type { EvaluateRequest } from '../../lib/types.js';
import type { Workload } from '../workloads.js';
import {
  actionName,
  expandActions,
  isAllStars,
  referencedKeys,
  requestContext,
  singleAction,
  statementsOf,
  summarize,
  timeAsync,
  type OurCondition,
  type OurStatement,
  type Outcome,
  type PeerTiming,
} from './common.js';

/** IMS action (canonical name) → EC2 action. One-to-one; resource-type shape preserved (see header). */
export const EC2_ACTIONS: Readonly<Record<string, string>> = {
  // No resource type in IMS → wildcard-only in EC2.
  'ims:images:list': 'ec2:DescribeImages',
  'ims:images:create': 'ec2:BundleInstance',
  'ims:quotas:get': 'ec2:DescribeAccountAttributes',
  'ims:wholeImages:create': 'ec2:EnableAllowedImagesSettings',
  'ims:dataImages:create': 'ec2:DisableAllowedImagesSettings',
  'ims:serverImages:create': 'ec2:ReplaceImageCriteriaInAllowedImagesSettings',
  'ims:images:getTags': 'ec2:DescribeTags',
  'ims:images:listOsVersion': 'ec2:DescribeInstanceImageMetadata',
  'ims:images:getJob': 'ec2:DescribeImportImageTasks',
  'ims:images:import': 'ec2:EnableImageBlockPublicAccess',
  'ims:images:setOrDeleteTags': 'ec2:DisableImageBlockPublicAccess',
  'ims:images:listImagesByTag': 'ec2:DescribeImageReferences',
  'ims:images:listImageTags': 'ec2:DescribeImageUsageReports',
  'ims:images:deleteTags': 'ec2:DescribeImageUsageReportEntries',
  // Image resource type in IMS → image resource type in EC2.
  'ims:images:get': 'ec2:DescribeImageAttribute',
  'ims:images:share': 'ec2:ModifyImageAttribute',
  'ims:images:copyInRegion': 'ec2:CopyImage',
  'ims:images:copyCrossRegion': 'ec2:CreateStoreImageTask',
  'ims:images:upload': 'ec2:CreateRestoreImageTask',
  'ims:images:export': 'ec2:ExportImage',
  'ims:images:setTags': 'ec2:CreateTags',
  'ims:images:deleteImage': 'ec2:DeregisterImage',
  'ims:images:updateImage': 'ec2:ResetImageAttribute',
  'ims:images:updateMemberStatus': 'ec2:EnableImage',
  'ims:images:addMember': 'ec2:EnableImageDeregistrationProtection',
  'ims:images:deleteMember': 'ec2:CancelImageLaunchPermission',
  'ims:images:showImageTags': 'ec2:GetImageAncestry',
};

/** Our condition keys (normalised) → AWS global keys of the same type. */
const AWS_KEYS: Readonly<Record<string, string>> = {
  'g:enterpriseprojectid': 'aws:PrincipalTag/EnterpriseProjectId',
  'g:tagkeys': 'aws:TagKeys',
  'ims:encrypted': 'aws:SecureTransport',
  'g:sourceip': 'aws:SourceIp',
  'g:mfaage': 'aws:MultiFactorAuthAge',
  'g:mfapresent': 'aws:MultiFactorAuthPresent',
  'g:principalaccount': 'aws:PrincipalAccount',
  'g:username': 'aws:username',
  'g:userid': 'aws:userid',
  'g:requestedregion': 'aws:RequestedRegion',
  'g:currenttime': 'aws:CurrentTime',
};
const AWS_TAG_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['g:resourcetag/', 'aws:ResourceTag/'],
  ['g:requesttag/', 'aws:RequestTag/'],
  ['g:principaltag/', 'aws:PrincipalTag/'],
];

/** The AWS key for one of our normalised keys, or undefined when there is none. */
export function awsKey(key: string): string | undefined {
  for (const [ours, theirs] of AWS_TAG_PREFIXES) if (key.startsWith(ours)) return theirs + key.slice(ours.length);
  return AWS_KEYS[key];
}

/** A 12-digit AWS account id for one of ours (`acc-7` → `000000000007`; others hashed). */
export function awsAccount(id: string): string {
  if (/^\d{12}$/.test(id)) return id;
  const m = /^acc-(\d{1,12})$/.exec(id);
  if (m) return (m[1] as string).padStart(12, '0');
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return String(h).padStart(12, '0');
}

/** `ims:<region>:<account>:image:<id>` (or a pattern of it) → `arn:aws:ec2:<region>::image/<account>.<id>`. */
export function imageArn(urn: string): string {
  if (isAllStars(urn)) return '*';
  const parts = urn.split(':');
  if (parts.length !== 5 || parts[0]?.toLowerCase() !== 'ims' || parts[3] !== 'image') throw new Error(`resource ${urn}: not an IMS image URN`);
  const [, region, account, , id] = parts as [string, string, string, string, string];
  return `arn:aws:ec2:${region}::image/${account.includes('*') || account.includes('?') ? account : awsAccount(account)}.${id}`;
}

function awsOperator(c: OurCondition): string {
  const { info, qualifier, ifExists } = c.operator;
  const date = info.family === 'date';
  let base: string;
  switch (info.comparison) {
    case 'equals':
      base = info.negated ? 'StringNotEquals' : 'StringEquals';
      break;
    case 'equals_ignore_case':
      base = info.negated ? 'StringNotEqualsIgnoreCase' : 'StringEqualsIgnoreCase';
      break;
    case 'match':
      base = info.negated ? 'StringNotLike' : 'StringLike';
      break;
    case 'num_eq':
      base = date ? (info.negated ? 'DateNotEquals' : 'DateEquals') : info.negated ? 'NumericNotEquals' : 'NumericEquals';
      break;
    case 'lt':
      base = date ? 'DateLessThan' : 'NumericLessThan';
      break;
    case 'lte':
      base = date ? 'DateLessThanEquals' : 'NumericLessThanEquals';
      break;
    case 'gt':
      base = date ? 'DateGreaterThan' : 'NumericGreaterThan';
      break;
    case 'gte':
      base = date ? 'DateGreaterThanEquals' : 'NumericGreaterThanEquals';
      break;
    case 'bool':
      base = 'Bool';
      break;
    case 'ip':
      base = info.negated ? 'NotIpAddress' : 'IpAddress';
      break;
    case 'null':
      base = 'Null';
      break;
    default:
      throw new Error(`${info.name}: no AWS operator`);
  }
  return `${qualifier ? `${qualifier}:` : ''}${base}${ifExists ? 'IfExists' : ''}`;
}

type AwsStatement = Record<string, unknown>;

/** Null when the statement covers no mapped action (it can never apply to a benchmark request). */
function awsStatement(st: OurStatement): AwsStatement | null {
  const acts = expandActions(st.actions);
  let action: string | string[];
  if (acts === 'all') action = '*';
  else {
    action = [...new Set(acts.map((i) => EC2_ACTIONS[actionName(i)]).filter((a): a is string => a !== undefined))];
    if (action.length === 0) return null;
  }
  const out: AwsStatement = { Effect: st.effect, Action: action, Resource: st.resources.some(isAllStars) ? '*' : st.resources.map(imageArn) };
  if (st.conditions.length > 0) {
    const cond: Record<string, Record<string, string[]>> = {};
    for (const c of st.conditions) {
      const key = awsKey(c.key);
      if (!key) throw new Error(`condition key ${c.key}: no AWS equivalent`);
      const values = key === 'aws:PrincipalAccount' ? c.values.map(awsAccount) : c.values;
      (cond[awsOperator(c)] ??= {})[key] = values;
    }
    out.Condition = cond;
  }
  return out;
}

function awsPolicy(statements: OurStatement[]): { Version: string; Statement: AwsStatement[] } | null {
  const Statement = statements.map(awsStatement).filter((s): s is AwsStatement => s !== null);
  return Statement.length === 0 ? null : { Version: '2012-10-17', Statement };
}

function awsContext(req: EvaluateRequest, keys: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of requestContext(req, keys)) {
    const key = awsKey(k);
    if (!key || v === null) continue;
    if (key === 'aws:PrincipalAccount') out[key] = awsAccount(String(v));
    else out[key] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}

/** One iam-simulate `Simulation` per request; all share the same policy objects. */
export function toIamSimulate(w: Workload, requests: readonly EvaluateRequest[] = w.requests): Simulation[] {
  const identityPolicies = w.policies.flatMap((p) => {
    const policy = awsPolicy(statementsOf(p));
    return policy ? [{ name: p.id, policy }] : [];
  });
  const serviceControlPolicies = w.scps.map((level) => ({
    orgIdentifier: /^acc-/.test(level.level) ? awsAccount(level.level) : level.level,
    policies: level.policies.flatMap((p) => {
      const policy = awsPolicy(statementsOf(p));
      return policy ? [{ name: `${level.level}/${p.id}`, policy }] : [];
    }),
  }));
  const keys = referencedKeys([...w.policies, ...w.scps.flatMap((l) => l.policies)]);
  return requests.map((req): Simulation => {
    const idx = lookupAction(singleAction(req));
    const action = idx.length === 1 ? EC2_ACTIONS[actionName(idx[0] as number)] : undefined;
    if (!action) throw new Error(`action ${req.action}: no EC2 equivalent`);
    const account = awsAccount(req.principal?.account_id ?? 'acc-0');
    return {
      request: {
        principal: `arn:aws:iam::${account}:user/${req.principal?.user_name ?? 'user'}`,
        action,
        resource: { resource: req.resource ? imageArn(req.resource) : '*', accountId: account },
        contextVariables: awsContext(req, keys),
      },
      identityPolicies,
      serviceControlPolicies,
      resourceControlPolicies: [],
    };
  });
}

/**
 * Warm per-decision time of `runSimulation` (Strict mode) on the workload's first `requests` requests.
 * `expected` is our engine's outcome on the same requests (for the agreement figure). A simulation that
 * comes back as an error (a policy, action, ARN or key iam-simulate refuses) aborts the measurement.
 */
export async function measureIamSimulate(w: Workload, expected: readonly Outcome[], requests: number = w.requests.length, warmup = Math.min(200, requests)): Promise<PeerTiming> {
  const { runSimulation } = await import('@cloud-copilot/iam-simulate');
  const sims = toIamSimulate(w, w.requests.slice(0, requests));
  const decide = async (sim: Simulation): Promise<Outcome> => {
    const r = await runSimulation(sim, { simulationMode: 'Strict' });
    if (r.resultType === 'error') throw new Error(`iam-simulate refused ${sim.request.action} on ${sim.request.resource.resource}: ${JSON.stringify(r.errors)}`);
    return r.overallResult === 'Allowed' ? 'allow' : r.overallResult === 'ExplicitlyDenied' ? 'explicit_deny' : 'implicit_deny';
  };
  const samples = await timeAsync(decide, sims, warmup);
  const note = requests < w.requests.length ? `first ${requests} of ${w.requests.length} requests` : undefined;
  return summarize(samples, expected, note);
}
