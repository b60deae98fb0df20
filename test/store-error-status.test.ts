/**
 * Store refusals meet HTTP in one place (STORE_ERROR_STATUS and asHttpError in functions/shared/http.ts):
 * the store's errors carry a code and no status, every code is a 4xx, and only a StoreError (by
 * `instanceof`, not by the shape of an object) becomes a 4xx answer; any other error stays a fault.
 */
import { describe, expect, it } from 'vitest';
import { asHttpError, HttpError, STORE_ERROR_STATUS } from '../functions/shared/http.js';
import { StoreError, type StoreErrorCode } from '../store/errors.js';

const EXPECTED: Record<StoreErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  READ_ONLY: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  POLICY_EXISTS: 409,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  INVALID_POLICY: 422,
  STORED_POLICY_INVALID: 409,
};

describe('store error statuses', () => {
  it('maps every store code to its documented 4xx', () => {
    expect(STORE_ERROR_STATUS).toEqual(EXPECTED);
    for (const status of Object.values(STORE_ERROR_STATUS)) expect(status >= 400 && status < 500).toBe(true);
  });

  it('a StoreError knows no HTTP status', () => {
    const err = new StoreError('CONFLICT', 'Policy p is attached.', { grants: ['g1'] });
    expect('status' in err).toBe(false);
    expect(Object.keys(err)).not.toContain('status');
  });

  it.each(Object.entries(EXPECTED) as Array<[StoreErrorCode, number]>)('answers %s with %i, keeping code, message and details', (code, status) => {
    const details = { why: code };
    const http = asHttpError(new StoreError(code, `refused: ${code}`, details));
    expect(http).toBeInstanceOf(HttpError);
    expect(http).toMatchObject({ status, code, message: `refused: ${code}`, details });
  });

  it('leaves HttpErrors and faults as they are (instanceof, not duck typing)', () => {
    const http = new HttpError(404, 'NOT_FOUND', 'No such principal in your account.');
    expect(asHttpError(http)).toBe(http);
    // A fault that happens to carry status/code fields (an SDK error, say) is not a refusal: it stays a fault.
    const fault = Object.assign(new Error('throttled'), { status: 400, code: 'ThrottlingException' });
    expect(asHttpError(fault)).toBe(fault);
    const plain = { status: 404, code: 'NOT_FOUND', message: 'not an error object' };
    expect(asHttpError(plain)).toBe(plain);
  });
});
