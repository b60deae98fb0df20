/**
 * A caller of this service's API, as functions/shared/auth.ts reads it from a bearer token. Its own module so
 * that the request state (http.ts) can name it without importing the authentication (auth.ts imports
 * http.ts).
 */
export interface Caller {
  account_id: string;
  subject: string;
  scopes: ReadonlySet<string>;
}
