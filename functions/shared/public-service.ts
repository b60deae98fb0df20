/**
 * The shared middlewares of a public route (no bearer token: catalog, openapi, not-found, the IMS demo
 * backend), in the order they must run: request id -> decision log -> response formatting/errors -> JSON
 * body -> schema validation. Apart from service.ts so that a public function's bundle carries no token
 * verification (it trusts no credentials, whatever the auth mode).
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { SchemaName } from '../../lib/schema/core.js';
import type { HttpEvent, HttpResult, Reply } from './http.js';
import { decisionLog, httpResponse, jsonBody, requestContext, validateBody } from './middlewares.js';

export interface PublicServiceOptions {
  name: string;
  /** Parse a JSON body and validate it against this schema. */
  body?: SchemaName;
}

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** The middy chain up to (not including) the body: `between` adds middlewares there (service.ts: auth). */
export function chain(
  options: PublicServiceOptions,
  handler: (event: HttpEvent) => Reply | Promise<Reply>,
  between?: (m: MiddyfiedHandler<HttpEvent, HttpResult | Reply>) => void,
): HttpHandler {
  const m = middy<HttpEvent, HttpResult | Reply>(async (event: HttpEvent) => handler(event))
    .use(requestContext())
    .use(decisionLog(options.name))
    .use(httpResponse());
  between?.(m);
  if (options.body) m.use(jsonBody()).use(validateBody(options.body));
  return m as unknown as HttpHandler;
}

export function publicService(options: PublicServiceOptions, handler: (event: HttpEvent) => Reply | Promise<Reply>): HttpHandler {
  return chain(options, handler);
}
