/**
 * The authenticated caller, as functions/shared/auth.ts reads it from a bearer token. Its own module so
 * that the request state (http.ts) can name it without importing the authentication (auth.ts imports
 * http.ts).
 */
export interface Caller {
  account_id: string;
  subject: string;
  scopes: ReadonlySet<string>;
  /** The IMS user (claim `user_id`) or agency (claim `agency`) the token names; neither: the account itself. */
  user_id?: string;
  agency?: string;
}
