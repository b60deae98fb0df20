/**
 * The usage record of unused access (docs/unused-access.md): per principal and action, the hour a
 * by-reference decision last allowed it. One item per principal and action under the account
 * (`USAGE#<type>#<id>#<action>`, store/keys.ts), written by one conditional UpdateItem that moves its hour
 * forward only (`used_hour` older than the new one, or no item), with a TTL (`expires_at`, 400 days after that
 * hour): a principal that stops using an action loses its item a little after the longest window one can ask.
 *
 * Built on store/dynamo-http.ts like the evaluation's reader (no AWS SDK, no dynamodb-toolbox): the
 * authorizer, evaluate and batch bundles write it, and carry only this write (the reads are
 * store/usage-reader.ts). The write-behind around the write (one per principal, action and hour per process,
 * never awaited by an answer, failures counted) is store/usage-writer.ts.
 */
import { key, send, toWireValues } from './dynamo-http.js';
import { tableName } from './evaluation-reader.js';
import { accountPk, ENTITY, ENTITY_ATTRIBUTE, usageSk, type UsagePrincipalKind } from './keys.js';

export const HOUR_MS = 3_600_000;
/** How long an item outlives its last use: longer than the longest window `GET /v1/access/unused` takes (400 days). */
export const USAGE_TTL_DAYS = 400;
export const MAX_USAGE_DAYS = USAGE_TTL_DAYS;

/** The start of the hour of `at` (epoch ms). */
export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

export interface UsagePrincipalRef {
  type: UsagePrincipalKind;
  id: string;
}

/**
 * Moves the record of (principal, action) to the hour of `at`, unless it already holds that hour or a later
 * one. Resolves `true` when written, `false` when the condition held it back (another process wrote this
 * hour already); rejects on a fault of the table.
 */
export async function recordUsage(accountId: string, principal: UsagePrincipalRef, action: string, at: number): Promise<boolean> {
  const hour = Math.floor(hourOf(at) / 1000);
  const input = {
    TableName: tableName(),
    Key: key(accountPk(accountId), usageSk(principal.type, principal.id, action)),
    UpdateExpression: 'SET #et = :et, principal_type = :pt, principal_id = :pid, #action = :action, used_hour = :h, expires_at = :exp',
    ConditionExpression: 'attribute_not_exists(used_hour) OR used_hour < :h',
    ExpressionAttributeNames: { '#et': ENTITY_ATTRIBUTE, '#action': 'action' },
    ExpressionAttributeValues: toWireValues({ ':et': ENTITY.usage, ':pt': principal.type, ':pid': principal.id, ':action': action, ':h': hour, ':exp': hour + USAGE_TTL_DAYS * 86_400 }),
  };
  try {
    await send('UpdateItem', input);
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}
