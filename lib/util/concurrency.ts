/**
 * A bounded worker pool over an array: the one helper the store (deletes and sweeps of many items) and the
 * workers (SQS batch, DynamoDB stream, revalidation sweep) share. Not storage-specific and not Lambda-specific:
 * it only bounds how many promises run at once, so a large input never opens hundreds of calls together.
 */

/** `fn` over `items`, at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
