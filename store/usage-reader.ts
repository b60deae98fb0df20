/**
 * The reads of the usage record (docs/unused-access.md): the records of an account or of one principal, and
 * the account's users and agencies to report on. Toolbox-free like the write (store/usage.ts), and apart from
 * it, so the decision bundles that write carry none of this.
 */
import { fromItem, send, toWireValues, type WireItem } from './dynamo-http.js';
import { tableName } from './evaluation-reader.js';
import { accountPk, ENTITY, ENTITY_ATTRIBUTE, principalUsageSkPrefix, USAGE_SK_PREFIX } from './keys.js';
import type { UsagePrincipalRef } from './usage.js';

/** One stored record: `last_used` is the start of the hour (ISO 8601) of the last allowed decision. */
export interface UsageRecord {
  principal: UsagePrincipalRef;
  action: string;
  last_used: string;
}

/**
 * The records of the account (or of one principal), strongly consistent, all pages. Items past their TTL
 * that DynamoDB has not deleted yet are left out.
 */
export async function listUsage(accountId: string, principal?: UsagePrincipalRef, now: number = Date.now()): Promise<UsageRecord[]> {
  const prefix = principal ? principalUsageSkPrefix(principal.type, principal.id) : USAGE_SK_PREFIX;
  const input: Record<string, unknown> = {
    TableName: tableName(),
    ConsistentRead: true,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sk)',
    FilterExpression: '#et = :et',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#et': ENTITY_ATTRIBUTE },
    ExpressionAttributeValues: toWireValues({ ':pk': accountPk(accountId), ':sk': prefix, ':et': ENTITY.usage }),
  };
  const out: UsageRecord[] = [];
  const nowS = Math.floor(now / 1000);
  let start: WireItem | undefined;
  do {
    const page: { Items?: WireItem[]; LastEvaluatedKey?: WireItem } = await send('Query', start ? { ...input, ExclusiveStartKey: start } : input);
    for (const wire of page.Items ?? []) {
      const item = fromItem(wire);
      if (typeof item.expires_at === 'number' && item.expires_at <= nowS) continue;
      if (typeof item.used_hour !== 'number' || typeof item.action !== 'string' || typeof item.principal_id !== 'string') continue;
      const type = item.principal_type;
      if (type !== 'user' && type !== 'agency' && type !== 'account') continue;
      out.push({ principal: { type, id: item.principal_id }, action: item.action, last_used: new Date(item.used_hour * 1000).toISOString() });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** A user or agency of the account, as the unused-access report names it. */
export interface UsagePrincipalItem {
  type: 'user' | 'agency';
  id: string;
  name?: string;
}
