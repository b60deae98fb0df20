/**
 * The versions of a policy (at most 5, ids `v1`, `v2`, ... never reused, one of them the default: the one the
 * engine evaluates). Every change is a conditional write of the policy item (store/policy-items.ts).
 */
import type { Finding, PolicyDocument, ScpRevision } from '../lib/types.js';
import { type IfMatch, nowIso, parseIfMatch, stale } from './common.js';
import { conflict, invalidInput, notFound } from './errors.js';
import { getPolicy } from './policies.js';
import {
  checkDocument,
  checkIds,
  checkVersionId,
  mutatePolicy,
  policyNotFound,
  type PolicyVersionRecord,
  type PolicyWriteGuard,
  readPolicyItem,
  refuseSystem,
  type StoredPolicy,
} from './policy-items.js';

/** Versions a policy keeps (Huawei IAM keeps at most 5). */
export const MAX_POLICY_VERSIONS = 5;

export interface CreatePolicyVersionInput {
  /** The document, or its JSON text; same syntax (`Version`) as the policy's other versions. */
  document: PolicyDocument | string;
  /** Make the new version the default (the one evaluated). Default `false`. */
  set_as_default?: boolean;
  /** SCP syntax revision to validate against (default: the validator's newest). */
  scp_revision?: ScpRevision;
}

export interface CreatePolicyVersionResult {
  policy: StoredPolicy;
  version: PolicyVersionRecord;
  /** The same as `version.findings`. */
  findings: Finding[];
}

/** One version of a policy (system policies have `v1`). */
export async function getPolicyVersion(accountId: string, policyId: string, versionId: string): Promise<PolicyVersionRecord & { policy_id: string }> {
  checkVersionId(versionId);
  const policy = await getPolicy(accountId, policyId);
  const version = policy.versions.find((v) => v.version_id === versionId);
  if (!version) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
  return { policy_id: policyId, ...version };
}

/** Adds a version (validated like a create). `CONFLICT` when the policy already has 5 versions. */
export async function createPolicyVersion(accountId: string, policyId: string, input: CreatePolicyVersionInput, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<CreatePolicyVersionResult> {
  checkIds(accountId, policyId);
  if (input === null || typeof input !== 'object') throw invalidInput('The version must be an object with a document.');
  refuseSystem(policyId, 'given new versions');
  if (input.set_as_default !== undefined && typeof input.set_as_default !== 'boolean') throw invalidInput('set_as_default must be a boolean.');
  const expected = parseIfMatch(ifMatch);
  const first = await readPolicyItem(accountId, policyId);
  if (!first) throw policyNotFound(accountId, policyId);
  if (expected !== undefined && first.revision !== expected) throw stale(`Policy ${policyId}`, expected, first.revision);
  await guard?.(first);
  const { text, syntax, findings } = checkDocument(input.document, first.type, input.scp_revision);
  if (syntax !== first.syntax) throw invalidInput(`Policy ${policyId} is a ${first.syntax} policy: a new version must have "Version": "${first.syntax}" (got ${syntax}).`);

  let versionId = '';
  const policy = await mutatePolicy(
    accountId,
    policyId,
    ifMatch,
    `Policy ${policyId}`,
    (current) => {
      // The document was validated for the type read first; the write is conditioned on the type read now.
      if (current.type !== first.type) throw policyNotFound(accountId, policyId);
      const count = Object.keys(current.versions).length;
      if (count >= MAX_POLICY_VERSIONS) {
        throw conflict(`Policy ${policyId} already has ${MAX_POLICY_VERSIONS} versions, the most it can keep. Delete a version that is not the default first.`, {
          version_ids: Object.keys(current.versions),
        });
      }
      versionId = `v${current.next_version}`;
      return {
        addVersion: { id: versionId, document: text, created_at: nowIso(), findings: JSON.stringify(findings) },
        next_version: current.next_version + 1,
        ...(input.set_as_default ? { default_version: versionId } : {}),
      };
    },
    guard,
  );
  const version = policy.versions.find((v) => v.version_id === versionId) as PolicyVersionRecord;
  return { policy, version, findings };
}

/** Deletes a version that is not the default (`CONFLICT` for the default). */
export async function deletePolicyVersion(accountId: string, policyId: string, versionId: string, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  checkIds(accountId, policyId);
  checkVersionId(versionId);
  refuseSystem(policyId, 'changed');
  return mutatePolicy(
    accountId,
    policyId,
    ifMatch,
    `Policy ${policyId}`,
    (current) => {
      if (!(versionId in current.versions)) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
      if (current.default_version === versionId) throw conflict(`${versionId} is the default version of policy ${policyId}: make another version the default before deleting it.`);
      return { removeVersion: versionId };
    },
    guard,
  );
}

/** Makes `versionId` the version the engine evaluates. */
export async function setDefaultVersion(accountId: string, policyId: string, versionId: string, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  checkIds(accountId, policyId);
  checkVersionId(versionId);
  refuseSystem(policyId, 'changed');
  return mutatePolicy(
    accountId,
    policyId,
    ifMatch,
    `Policy ${policyId}`,
    (current) => {
      if (!(versionId in current.versions)) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
      return { default_version: versionId };
    },
    guard,
  );
}
