/** The largest request body (bytes of UTF-8) the HTTP functions and the batch worker accept (docs/limits.md). */
export const BODY_LIMIT_BYTES = 64 * 1024;
