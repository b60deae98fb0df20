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

/** One principal's line of a who-can answer (GET /v1/access/who-can; docs/who-can.md), as the page shows it. */
export interface WhoCanLine {
  principal: { type: string; id: string; name?: string };
  groups: string[];
  access: 'always' | 'conditional' | 'never' | 'unknown';
  condition?: string;
  decided_by: Array<{
    layer: string;
    level: string | null;
    effect: string;
    policy_id: string;
    version: string | null;
    grants?: Array<{ holder: { type: string; id: string }; scope: { type: string; project?: string; enterprise_project_id?: string } }>;
  }>;
  no_allow_in?: Array<{ layer: string; level: string | null }>;
}

export interface WhoCanAnswer {
  status: number;
  body: { account_id: string; action: string; resource: string; region?: string | null; principals: WhoCanLine[] } | { error: { code: string; message: string } };
  ms: number;
}

/** GET v1/access/who-can for the request's action and resource, relative to the page, with the pasted token. */
export async function whoCanStored(action: string, resource: string | undefined, token: string): Promise<WhoCanAnswer> {
  const url = new URL('v1/access/who-can', document.baseURI);
  url.searchParams.set('action', action);
  if (resource) url.searchParams.set('resource', resource);
  const t0 = performance.now();
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token.trim()}` }, credentials: 'omit', cache: 'no-store' });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as WhoCanAnswer['body'], ms: performance.now() - t0 };
    } catch {
      return { status: res.status, body: { error: { code: `HTTP_${res.status}`, message: `The service answered ${res.status} without JSON.` } }, ms: performance.now() - t0 };
    }
  } catch (err) {
    return { status: 0, body: { error: { code: 'NETWORK_ERROR', message: `The service did not answer: ${(err as Error).message}` } }, ms: performance.now() - t0 };
  }
}
