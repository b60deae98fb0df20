/**
 * Batch evaluation results (functions/batch.ts writes them, GET /v1/decisions/{correlation_id} reads them):
 * one item per correlation id under the account the result belongs to (`ACCT#<account>` /
 * `DECISION#<correlationId>`), so one account never reads another's results.
 *
 * Written once: the put is conditional on the item not existing, so a redelivered message (SQS delivers at
 * least once) or a second message with the same correlation id stores nothing new; the first result stays.
 * Items carry a TTL attribute (`expires_at`, epoch seconds; 7 days by default). DynamoDB deletes expired
 * items some time after that, so reads treat an expired item as absent from the moment it expires
 * (TTL deletes late, even on AWS: the read check is what the tests see).
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import type { EvaluateResponse, JsonValue } from '../lib/types.js';
import { checkId, isConditionFailure } from './common.js';
import { DecisionEntity } from './entities.js';
import { notFound } from './errors.js';
import { ID_PATTERN } from './keys.js';

/** How long a result is kept (DynamoDB TTL). */
export const DECISION_TTL_SECONDS = 7 * 24 * 3600;
/** Larger results are stored as a `RESULT_TOO_LARGE` error (the item limit is 400 KB). */
export const MAX_RESULT_TEXT = 350 * 1024;

export interface DecisionError {
  code: string;
  message: string;
  details?: JsonValue;
}

/** What the batch worker stores: the evaluation's response, or why there is none. */
export type DecisionOutcome = { result: EvaluateResponse } | { error: DecisionError };

export interface StoredDecision {
  correlation_id: string;
  /** `completed`: `result` holds the EvaluateResponse; `error`: `error` says why the request was not decided. */
  status: 'completed' | 'error';
  decision_id?: string;
  result?: EvaluateResponse;
  error?: DecisionError;
  /** The SQS message that produced the result. */
  message_id: string;
  created_at: string;
  /** When the result expires (ISO 8601); it is deleted some time after. */
  expires_at: string;
}

export interface PutDecisionInput {
  account_id: string;
  correlation_id: string;
  message_id: string;
  outcome: DecisionOutcome;
  /** Default: now. */
  now?: Date;
}

/**
 * Stores the result of `correlation_id` unless one is already stored. `stored: false` means an earlier
 * delivery stored it (that one stays, and is returned as `existing` when it can be read).
 */
export async function putDecisionResult(input: PutDecisionInput): Promise<{ stored: boolean; decision: StoredDecision }> {
  const accountId = checkId(input.account_id, 'account_id');
  const correlationId = checkId(input.correlation_id, 'correlation_id');
  const now = input.now ?? new Date();
  let outcome = input.outcome;
  let resultText: string | undefined;
  if ('result' in outcome) {
    resultText = JSON.stringify(outcome.result);
    if (resultText.length > MAX_RESULT_TEXT) {
      outcome = {
        error: { code: 'RESULT_TOO_LARGE', message: `The result is ${resultText.length} characters; at most ${MAX_RESULT_TEXT} are stored. Split the request (fewer actions or resources).` },
      };
      resultText = undefined;
    }
  }
  const item = {
    account_id: accountId,
    correlation_id: correlationId,
    message_id: input.message_id,
    created_at: now.toISOString(),
    expires_at: Math.floor(now.getTime() / 1000) + DECISION_TTL_SECONDS,
    ...('result' in outcome
      ? { status: 'completed' as const, decision_id: outcome.result.decision_id, result: resultText as string }
      : { status: 'error' as const, error: JSON.stringify(outcome.error) }),
  };
  try {
    await DecisionEntity.build(PutItemCommand)
      .item(item)
      .options({ condition: { attr: 'correlation_id', exists: false } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const existing = await readDecision(accountId, correlationId, true);
    return { stored: false, decision: existing ?? toStoredDecision(item) };
  }
  return { stored: true, decision: toStoredDecision(item) };
}

/** The stored result of `correlation_id` in the account. `NOT_FOUND` when there is none (or it expired). */
export async function getDecisionResult(accountId: string, correlationId: string): Promise<StoredDecision> {
  checkId(accountId, 'account_id');
  // An id of another shape was never stored: answered like an unknown id.
  if (typeof correlationId !== 'string' || !ID_PATTERN.test(correlationId)) throw notFound('No result for this correlation id in this account.');
  const found = await readDecision(accountId, correlationId, false);
  if (!found) throw notFound(`No result for correlation id ${correlationId} in this account.`);
  return found;
}

async function readDecision(accountId: string, correlationId: string, includeExpired: boolean): Promise<StoredDecision | undefined> {
  const { Item } = await DecisionEntity.build(GetItemCommand).key({ account_id: accountId, correlation_id: correlationId }).options({ consistent: true }).send();
  if (!Item) return undefined;
  if (!includeExpired && Item.expires_at * 1000 <= Date.now()) return undefined;
  return toStoredDecision(Item);
}

interface DecisionItem {
  correlation_id: string;
  status: 'completed' | 'error';
  decision_id?: string | undefined;
  result?: string | undefined;
  error?: string | undefined;
  message_id: string;
  created_at: string;
  expires_at: number;
}

function toStoredDecision(item: DecisionItem): StoredDecision {
  const out: StoredDecision = {
    correlation_id: item.correlation_id,
    status: item.status,
    message_id: item.message_id,
    created_at: item.created_at,
    expires_at: new Date(item.expires_at * 1000).toISOString(),
  };
  if (item.decision_id !== undefined) out.decision_id = item.decision_id;
  if (item.result !== undefined) out.result = JSON.parse(item.result) as EvaluateResponse;
  if (item.error !== undefined) out.error = JSON.parse(item.error) as DecisionError;
  return out;
}
