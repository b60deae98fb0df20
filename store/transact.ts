/**
 * All-or-nothing writes: every store write that spans items (a reference and what it refers to, the data
 * and the change counter that stamps it, an SCP attachment and the switch it needs ...) is one
 * TransactWriteItems (docs/storage.md "Writes"). Nothing is written unless every condition holds, so no
 * interleaving and no crash leaves half a write behind (test/store-transactions.test.ts).
 *
 * A transaction holds at most 100 items (DynamoDB's limit) and touches each item once. Writes whose
 * references can exceed it (deleting a principal or a policy with `detach`) sweep in several transactions,
 * each consistent on its own (the reference counts move with the references), and delete the item last,
 * conditioned on its count being 0.
 */
import { randomUUID } from 'node:crypto';
import { execute, type ExecuteTransactWriteInput, type ExecuteTransactWriteOptions } from 'dynamodb-toolbox/entity/actions/transactWrite';
import { StoreError } from './errors.js';

/** One item of a transaction: `Entity.build(PutTransaction | UpdateTransaction | DeleteTransaction | ConditionCheck)`. */
export type WriteItem = Exclude<ExecuteTransactWriteInput[number], ExecuteTransactWriteOptions>;

/** DynamoDB's limit of items per transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * A transaction refused by one of its conditions: `failed[i]` is true for every item whose condition did not
 * hold (DynamoDB's CancellationReasons `ConditionalCheckFailed`). Nothing was written.
 */
export class TransactionRefused extends Error {
  override readonly name = 'TransactionRefused';
  constructor(readonly failed: boolean[]) {
    super(`transaction refused by the condition of item(s) ${failed.flatMap((f, i) => (f ? [i] : [])).join(', ')}`);
  }
  /** The condition of item `i` failed. */
  at(i: number): boolean {
    return this.failed[i] === true;
  }
}

interface CancelledError {
  name?: string;
  CancellationReasons?: Array<{ Code?: string } | undefined>;
}

/**
 * Executes the items as one TransactWriteItems (with a fresh ClientRequestToken per attempt). A conflict with another transaction on the same items
 * (`TransactionConflict`: DynamoDB cancels one of two concurrent transactions) is retried with jittered
 * backoff; a failed condition throws TransactionRefused (nothing written); anything else is rethrown.
 */
export async function transact(items: ReadonlyArray<WriteItem | undefined | false>, maxAttempts = 12): Promise<void> {
  const list = items.filter((i): i is WriteItem => Boolean(i));
  if (list.length === 0) return;
  if (list.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction of ${list.length} items: at most ${MAX_TRANSACTION_ITEMS}`);
  for (let attempt = 1; ; attempt++) {
    try {
      // A ClientRequestToken makes the SDK's own retry of a request whose answer was lost idempotent: DynamoDB
      // answers it as the first one, without writing twice (or refusing the repeat on its own conditions).
      await execute({ clientRequestToken: randomUUID() }, ...list);
      return;
    } catch (err) {
      const e = err as CancelledError;
      if (e?.name !== 'TransactionCanceledException') throw err;
      const codes = (e.CancellationReasons ?? []).map((r) => r?.Code);
      if (codes.includes('ConditionalCheckFailed')) throw new TransactionRefused(list.map((_, i) => codes[i] === 'ConditionalCheckFailed'));
      const retryable = codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded');
      if (!retryable || attempt >= maxAttempts) {
        if (retryable) throw new StoreError('CONFLICT', 'The write kept conflicting with concurrent writes to the same items; try again.');
        throw err;
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
