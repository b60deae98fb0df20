/**
 * Batch evaluation from SQS (`BatchQueue`, event mapping with `ReportBatchItemFailures`). Each message body
 * is a `BatchMessage`: `{"correlation_id", "account_id", "request": <EvaluateRequest>}`. By-reference
 * requests evaluate that account's principal (stored grants and SCPs, like POST /v1/evaluate); inline ones
 * go straight to the engine. The result is stored under `ACCT#<account>` / `DECISION#<correlation_id>`
 * (GET /v1/decisions/{correlation_id}), written once: a redelivered message stores nothing new.
 *
 * What happens to each message (the reply lists the messages to retry in `batchItemFailures`; the others
 * are deleted from the queue, so one bad message never holds back the good ones of its batch):
 *
 * | message                                                   | stored result        | reported (retried, then DLQ) |
 * |-----------------------------------------------------------|----------------------|------------------------------|
 * | decided (allow/deny)                                      | the EvaluateResponse | no                           |
 * | not JSON; no usable `correlation_id`/`account_id`         | none (no key)        | yes: malformed               |
 * | usable ids, unusable request (schema, unknown action, invalid inline policy, > 64 KiB) | the error | yes: malformed |
 * | well formed, definite refusal (unknown principal 404, stored policy no longer valid 409) | the error | no |
 * | decided, but the result is over 350 KB                     | RESULT_TOO_LARGE     | no                           |
 * | a fault (DynamoDB error, throttling, a bug)               | none                 | yes: transient               |
 * | not started because the function is about to time out    | none                 | yes                          |
 *
 * Malformed messages are reported as the issue asks: after `maxReceiveCount` receives they move to the
 * dead-letter queue, where operators see them. Their retries are cheap and change nothing (the error
 * result is already stored; the put is a no-op). Transient failures are retried the same way and store
 * the real result when a retry succeeds.
 *
 * One decision log line per message (writeDecisionLog): correlation and decision ids, the account,
 * action(s), resource(s), decision, reason, catalog version, latency; or the error code. Never the
 * message body, policy documents or context values.
 */
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { catalogVersion } from '../lib/catalog/catalog.js';
import { parseJson } from '../lib/json/source.js';
import { problemMessage, schemaChecker } from '../lib/schema/check.js';
import { REQUEST_SCHEMAS } from '../lib/schema/requests.js';
import { RESOURCE_SCHEMAS } from '../lib/schema/resources.js';
import type { EvaluateRequest, EvaluateResponse, EvaluateResult, JsonValue, SchemaValues } from '../lib/types.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { Logger } from '../lib/util/logger.js';
import { putDecisionResult, type DecisionError } from '../store/decisions.js';
import { ID_PATTERN } from '../store/keys.js';
import { HttpError, statusOfEngineError } from './shared/http.js';
import { BODY_LIMIT_BYTES, decisionSubject, writeDecisionLog } from './shared/middlewares.js';
import { decideForAccount, settleUsage } from './shared/reference.js';

/** The BatchMessage envelope (its request is an EvaluateRequest). */
const messages = schemaChecker({ BatchMessage: RESOURCE_SCHEMAS.BatchMessage, ...REQUEST_SCHEMAS });

/** Messages processed at once (evaluation is CPU; by-reference loads and the put are DynamoDB calls). */
const CONCURRENCY = 4;
/** Messages not started with less time left than this are reported, not half-processed. */
const TIME_RESERVE_MS = 2_000;
/** The most the batch waits for the usage writes of its decisions before returning (the Lambda freezes then). */
export const USAGE_SETTLE_MS = 500;

const log = new Logger('batch');

type Decided = { result: EvaluateResponse } | { error: DecisionError; status: number };

/** What became of one message. `report`: list it in batchItemFailures. */
interface Handled {
  report: boolean;
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const records: SQSRecord[] = Array.isArray(event?.Records) ? event.Records : [];
  const report = await mapLimit(records, CONCURRENCY, async (record) => {
    const timeLeft = context?.getRemainingTimeInMillis?.() ?? Infinity;
    return (timeLeft < TIME_RESERVE_MS ? deferred(record) : await handleRecord(record)).report;
  });
  // The usage record's writes (write-behind) get a bounded wait: none of them decides what is reported.
  await settleUsage(Math.max(0, Math.min(USAGE_SETTLE_MS, (context?.getRemainingTimeInMillis?.() ?? Infinity) - 200)));
  // In the order of the batch.
  const batchItemFailures: SQSBatchItemFailure[] = records.filter((_r, i) => report[i]).map((r) => ({ itemIdentifier: r.messageId }));
  return { batchItemFailures };
}

function deferred(record: SQSRecord): Handled {
  writeDecisionLog('batch', { message_id: record.messageId, error_code: 'DEFERRED', latency_ms: 0 });
  return { report: true };
}

export async function handleRecord(record: SQSRecord): Promise<Handled> {
  const startedAt = Date.now();
  const messageId = String(record.messageId);
  const logKeys = { message_id: messageId };
  try {
    // 1. JSON, and the ids the result is stored under.
    const body = typeof record.body === 'string' ? record.body : '';
    const parsed = parseJson(body);
    if (!parsed.ok) {
      writeDecisionLog('batch', { ...logKeys, error_code: 'INVALID_JSON', latency_ms: Date.now() - startedAt });
      return { report: true };
    }
    const message = parsed.value;
    const envelope = message !== null && typeof message === 'object' && !Array.isArray(message) ? (message as Record<string, JsonValue>) : {};
    const correlationId = envelope.correlation_id;
    const accountId = envelope.account_id;
    if (typeof correlationId !== 'string' || !ID_PATTERN.test(correlationId) || typeof accountId !== 'string' || !ID_PATTERN.test(accountId)) {
      writeDecisionLog('batch', { ...logKeys, error_code: 'INVALID_MESSAGE', latency_ms: Date.now() - startedAt });
      return { report: true };
    }
    const ids = { ...logKeys, correlation_id: correlationId, caller_account: accountId };

    // 2. The rest of the envelope and the request; then the decision.
    let decided: Decided;
    let request: EvaluateRequest | undefined;
    const bytes = Buffer.byteLength(body, 'utf8');
    const problem = bytes > BODY_LIMIT_BYTES ? null : messages.check('BatchMessage', message);
    if (bytes > BODY_LIMIT_BYTES) {
      decided = { status: 413, error: { code: 'INPUT_TOO_LARGE', message: `The message body is ${bytes} bytes; the limit is ${BODY_LIMIT_BYTES} bytes.`, details: { limit: BODY_LIMIT_BYTES } } };
    } else if (problem) {
      decided = { status: 400, error: { code: 'INVALID_REQUEST', message: problemMessage(problem, 'The message'), details: { field: problem.field } } };
    } else {
      request = (message as SchemaValues['BatchMessage']).request;
      decided = await decideMessage(accountId, request);
    }
    const described = request ? decisionSubject(request) : {};

    // 3. Store it (once), log it.
    const outcome = 'result' in decided ? { result: decided.result } : { error: decided.error };
    const { stored, decision } = await putDecisionResult({ account_id: accountId, correlation_id: correlationId, message_id: messageId, outcome });
    const latency_ms = Date.now() - startedAt;
    if ('result' in decided) {
      const r = decided.result;
      writeDecisionLog('batch', {
        ...ids,
        ...described,
        decision_id: r.decision_id,
        decision: r.decision,
        reason: r.reason,
        catalog_version: r.catalog_version,
        latency_ms,
        // A result too large to store was stored as a RESULT_TOO_LARGE error (a definite outcome: not retried).
        ...(stored && decision.error ? { error_code: decision.error.code } : {}),
        ...(stored ? {} : { duplicate: true }),
      });
      return { report: false };
    }
    writeDecisionLog('batch', { ...ids, ...described, error_code: decided.error.code, catalog_version: catalogVersion(), latency_ms, ...(stored ? {} : { duplicate: true }) });
    return { report: isMalformed(decided.status) };
  } catch (err) {
    // A fault (DynamoDB, a bug): nothing was stored; the message is retried, then dead-lettered.
    log.child(logKeys).error('message not processed; it will be retried', { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    writeDecisionLog('batch', { ...logKeys, error_code: 'INTERNAL_ERROR', latency_ms: Date.now() - startedAt });
    return { report: true };
  }
}

/** Refusals of the request itself (its shape, actions, inline policies, size): the message is malformed. */
const isMalformed = (status: number): boolean => status === 400 || status === 413 || status === 422;

/** Decides a schema-valid request for `accountId`, as POST /v1/evaluate does. Throws only on faults. */
async function decideMessage(accountId: string, request: EvaluateRequest): Promise<Decided> {
  let r: EvaluateResult;
  try {
    r = (await decideForAccount(accountId, request, 'evaluate')) as EvaluateResult;
  } catch (err) {
    // Refusals (unknown principal, another account's, malformed id, a stored policy that no longer
    // validates) carry a 4xx status and a code; anything else is a fault.
    // A 5xx (the store unavailable) is a fault too: retried, never stored as the message's result.
    if (!(err instanceof HttpError) || err.status >= 500) throw err;
    const error: DecisionError = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, error };
  }
  return 'error' in r ? { status: statusOfEngineError(r.error.code), error: r.error } : { result: r };
}
