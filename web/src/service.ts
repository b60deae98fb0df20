/**
 * Optional calls to the service that served the page, with a bearer token the user pastes: evaluation by
 * reference (the request without policies: the service loads the principal's stored grants and SCPs). The token
 * stays in memory (never in the share link or storage); requests go to this origin only (the page's CSP).
 */
import type { EvaluateRequest, ExplainResult } from '../../lib/types.js';

export interface ServiceAnswer {
  status: number;
  body: ExplainResult;
  ms: number;
}

/** POST v1/explain relative to the page (the page is served at the API's root or /playground). */
export async function explainByReference(request: EvaluateRequest, token: string): Promise<ServiceAnswer> {
  const url = new URL('v1/explain', document.baseURI);
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.trim()}` },
      body: JSON.stringify(request),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    return { status: 0, body: { error: { code: 'NETWORK_ERROR', message: `The service did not answer: ${(err as Error).message}` } }, ms: performance.now() - t0 };
  }
  const text = await res.text();
  let body: ExplainResult;
  try {
    body = JSON.parse(text) as ExplainResult;
  } catch {
    body = { error: { code: `HTTP_${res.status}`, message: `The service answered ${res.status} without JSON.` } };
  }
  return { status: res.status, body, ms: performance.now() - t0 };
}
