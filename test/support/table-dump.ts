/**
 * Every item of a local table, read straight from the local DynamoDB (not through a fault proxy), in key order, with
 * sets as sorted arrays: two dumps compare as JSON.
 */
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

const plain = (v: unknown): unknown => {
  if (v instanceof Set) return [...v].map(plain).sort();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Item)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, plain(x)]),
    );
  return v;
};

export async function dumpTable(endpoint: string, tableName: string): Promise<Item[]> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  try {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page: ScanCommandOutput = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of page.Items ?? []) items.push(plain(item) as Item);
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => `${String(a.pk)}\u0000${String(a.sk)}`.localeCompare(`${String(b.pk)}\u0000${String(b.sk)}`));
  } finally {
    client.destroy();
  }
}

/** The items of `after` that differ from `before` (added, changed or removed), by `pk|sk`. */
export function changedKeys(before: Item[], after: Item[]): string[] {
  const key = (i: Item): string => `${String(i.pk)}|${String(i.sk)}`;
  const a = new Map(before.map((i) => [key(i), JSON.stringify(i)]));
  const b = new Map(after.map((i) => [key(i), JSON.stringify(i)]));
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return [...out].sort();
}
