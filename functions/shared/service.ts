/**
 * Wraps a handler with the shared middlewares, in the order they must run:
 * request id -> decision log -> response formatting/errors -> authentication -> JSON body -> schema validation.
 * Routes without a token use public-service.ts.
 */
import { schemaChecker } from '../../lib/schema/check.js';
import { REQUEST_SCHEMAS } from '../../lib/schema/requests.js';
import type { SchemaValues } from '../../lib/types.js';
import type { HttpEvent, Reply } from './http.js';
import { auth, type Scope } from './auth.js';
import { jsonBody, state, validateBody } from './middlewares.js';
import { chain, type HttpHandler } from './public-service.js';

/** The request bodies a single-route function validates (evaluate, explain, validate). */
const bodies = schemaChecker(REQUEST_SCHEMAS);
export type RequestSchema = keyof typeof REQUEST_SCHEMAS;

export interface ServiceOptions<N extends RequestSchema = RequestSchema> {
  name: string;
  /** Parse a JSON body and validate it against this schema (shared/routes.ts: the route's `request`). */
  body?: N;
  /** Require a bearer token; with a scope name, also that scope. */
  auth: Scope | 'authenticated';
}

/** The body a handler gets: validated, typed from its schema (undefined without one). */
type BodyOf<N extends RequestSchema> = [N] extends [never] ? undefined : SchemaValues[N];

export function httpHandler<N extends RequestSchema = never>(options: ServiceOptions<N>, handler: (event: HttpEvent, body: BodyOf<NoInfer<N>>) => Reply | Promise<Reply>): HttpHandler {
  return chain(
    options,
    (event) => handler(event, state(event).body as BodyOf<N>),
    (m) => {
      m.use(auth(options.auth === 'authenticated' ? undefined : options.auth, options.name));
      if (options.body) m.use(jsonBody()).use(validateBody(bodies, options.body));
    },
  );
}
