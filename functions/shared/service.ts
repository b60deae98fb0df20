/**
 * Wraps a handler with the shared middlewares, in the order they must run:
 * request id -> decision log -> response formatting/errors -> authentication -> JSON body -> schema validation.
 * Routes without a token use public-service.ts.
 */
import type { SchemaName } from '../../lib/schema/core.js';
import type { HttpEvent, Reply } from './http.js';
import { auth, type Scope } from './auth.js';
import { chain, type HttpHandler } from './public-service.js';

export interface ServiceOptions {
  name: string;
  /** Parse a JSON body and validate it against this schema. */
  body?: SchemaName;
  /** Require a bearer token; with a scope name, also that scope. */
  auth: Scope | 'authenticated';
}

export function service(options: ServiceOptions, handler: (event: HttpEvent) => Reply | Promise<Reply>): HttpHandler {
  return chain(options, handler, (m) => m.use(auth(options.auth === 'authenticated' ? undefined : options.auth, options.name)));
}
