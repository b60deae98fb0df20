/**
 * Seeds the local table with the documented example policies of account `acc-1`, through the storage
 * module (so they are validated like any write). Idempotent: a policy that already exists is left as is.
 *
 *   node --import tsx infra/local/seed.ts      (DYNAMODB_ENDPOINT / POLICY_TABLE, defaults: local dynalite)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resetClient } from '../../store/client.js';
import { createPolicy, StoreError, type CreatePolicyInput } from '../../store/policies.js';
import { DEFAULT_DYNAMODB_PORT } from './dynalite.js';
import { LOCAL_TABLE_NAME } from './table.js';

export const EXAMPLE_ACCOUNT = 'acc-1';

const example = (path: string): string => readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8');

/** The example policies (the documents of examples/, as text, so their spans survive). */
export function examplePolicies(): CreatePolicyInput[] {
  return [
    { account_id: EXAMPLE_ACCOUNT, policy_id: 'ims-full-access', name: 'IMS FullAccess', description: 'All IMS actions (1.1 fine-grained policy).', document: example('policies/ims-full-access.json') },
    { account_id: EXAMPLE_ACCOUNT, policy_id: 'deny-delete', name: 'Deny image deletion', description: 'The documented "deny delete" policy: with IMS FullAccess, everything but deleting images.', document: example('policies/deny-delete.json') },
    {
      account_id: EXAMPLE_ACCOUNT,
      policy_id: 'ims-readonly',
      name: 'IMS ReadOnlyAccess',
      description: 'Read-only IMS access (1.1 fine-grained policy).',
      document: '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:*:get*","ims:*:list*"]}]}',
    },
    { account_id: EXAMPLE_ACCOUNT, policy_id: 'share-within-org', name: 'Share images within the organization', description: 'IAM 5.0: read images, share them only with accounts of organization o-1.', document: example('policies/share-within-org.json') },
    { account_id: EXAMPLE_ACCOUNT, policy_id: 'deny-unencrypted-copy', name: 'Deny unencrypted copies', type: 'scp', description: 'SCP: no in-region copies of unencrypted images.', document: example('scps/deny-unencrypted-copy.json') },
  ];
}

export interface SeedResult {
  created: string[];
  existing: string[];
}

/** Writes the examples into the table at `endpoint` (points the store at it first). */
export async function seedExamples(target: { endpoint: string; tableName: string }): Promise<SeedResult> {
  process.env.DYNAMODB_ENDPOINT = target.endpoint;
  process.env.POLICY_TABLE = target.tableName;
  resetClient();
  const result: SeedResult = { created: [], existing: [] };
  const outcomes = await Promise.all(
    examplePolicies().map(async (p) => {
      try {
        await createPolicy(p);
        return { id: p.policy_id as string, created: true };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'POLICY_EXISTS') return { id: p.policy_id as string, created: false };
        throw err;
      }
    }),
  );
  for (const o of outcomes) (o.created ? result.created : result.existing).push(o.id);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const endpoint = process.env.DYNAMODB_ENDPOINT || `http://127.0.0.1:${process.env.DYNAMODB_PORT || DEFAULT_DYNAMODB_PORT}`;
  const tableName = process.env.POLICY_TABLE || LOCAL_TABLE_NAME;
  seedExamples({ endpoint, tableName })
    .then((r) => console.log(`seeded ${endpoint} ${tableName}: created ${r.created.join(', ') || 'none'}; already there: ${r.existing.join(', ') || 'none'}`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
