/**
 * The shared middlewares of a public route (no bearer token: catalog, openapi, not-found, the IMS demo
 * backend, the playground page), in the order they must run: request id -> decision log -> response
 * formatting/errors. Apart from service.ts so that a public function's bundle carries no token verification
 * (it trusts no credentials, whatever the auth mode) and no schema checker (no public route takes a body).
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResult, Reply } from './http.js';
import { decisionLog, httpResponse, requestContext } from './middlewares.js';

export interface PublicServiceOptions {
  name: string;
}

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** The middy chain up to the handler: `rest` adds middlewares after the shared ones (service.ts: auth, body). */
export function chain(options: PublicServiceOptions, handler: (event: HttpEvent) => Reply | Promise<Reply>, rest?: (m: MiddyfiedHandler<HttpEvent, HttpResult | Reply>) => void): HttpHandler {
  const m = middy<HttpEvent, HttpResult | Reply>(async (event: HttpEvent) => handler(event))
    .use(requestContext())
    .use(decisionLog(options.name))
    .use(httpResponse());
  rest?.(m);
  return m as unknown as HttpHandler;
}

export function publicService(options: PublicServiceOptions, handler: (event: HttpEvent) => Reply | Promise<Reply>): HttpHandler {
  return chain(options, handler);
}
