/**
 * A bounded worker pool over an array: the one helper the store (deletes and sweeps of many items) and the
 * workers (SQS batch, DynamoDB stream, revalidation sweep) share. Not storage-specific and not Lambda-specific:
 * it only bounds how many promises run at once, so a large input never opens hundreds of calls together.
 */

/**
 * `fn` over `items`, at most `limit` calls at a time; the results in input order. `fn` gets the item and
 * its index and is never called for an item after another call has failed: the first failure rejects the
 * whole map, once the calls already running have settled (so no work of this map outlives it).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapLimit: limit must be a positive integer (got ${limit}).`);
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        if (!failed) {
          failed = true;
          failure = err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failure;
  return out;
}
