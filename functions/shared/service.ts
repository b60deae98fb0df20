/**
 * Wraps a handler with the shared middlewares, in the order they must run:
 * request id -> decision log -> response formatting/errors -> JSON body -> schema validation.
 */
import middy from '@middy/core';
import type { SchemaName } from '../../lib/schema/core.js';
import type { HttpEvent, HttpResult, Reply } from './http.js';
import { auth, type Scope } from './auth.js';
import { decisionLog, httpResponse, jsonBody, requestContext, validateBody } from './middlewares.js';

export interface ServiceOptions {
  name: string;
  /** Parse a JSON body and validate it against this schema. */
  body?: SchemaName;
  /** Require a bearer token; with a scope name, also that scope. Omitted: a public route. */
  auth?: Scope | 'authenticated';
}

export function service(options: ServiceOptions, handler: (event: HttpEvent) => Reply | Promise<Reply>): (event: HttpEvent, context: import('aws-lambda').Context) => Promise<HttpResult> {
  const m = middy<HttpEvent, HttpResult | Reply>(async (event: HttpEvent) => handler(event))
    .use(requestContext())
    .use(decisionLog(options.name))
    .use(httpResponse());
  if (options.auth) m.use(auth(options.auth === 'authenticated' ? undefined : options.auth, options.name));
  if (options.body) m.use(jsonBody()).use(validateBody(options.body));
  return m as unknown as (event: HttpEvent, context: import('aws-lambda').Context) => Promise<HttpResult>;
}
