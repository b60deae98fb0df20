/**
 * Which credentials the functions trust: configuration, never a fallback (docs/deployment.md).
 *
 * - `AUTH_MODE=gateway-jwt`: API Gateway's JWT authorizer verifies the /v1 tokens (the issuer's JWKS,
 *   asymmetric keys); the /v1 functions read its verified claims (requestContext.authorizer.jwt.claims) and
 *   refuse a request without them. The IMS authorizer verifies IMS callers' tokens itself with the same
 *   issuer's keys (jwks.ts). Needs `AUTH_JWT_ISSUER` (an https URL). Refused under serverless-offline
 *   (`IS_OFFLINE`), whose JWT authorizer does not check signatures.
 * - `AUTH_MODE=hs256`: the functions verify HS256 tokens with `AUTH_JWT_SECRET` (at least 32 bytes; in
 *   serverless.yml a Secrets Manager dynamic reference, never a literal); claims in the request context are
 *   ignored. `AUTH_JWT_ISSUER` defaults to `ims-authz`.
 * Audiences: `AUTH_API_AUDIENCE` (default `ims-authz`) for this service's /v1 API, `AUTH_IMS_AUDIENCE`
 * (default `ims-api`) for callers of the IMS API behind the IMS authorizer; they must differ, and a token
 * naming both is refused by both (the two kinds of token are never interchangeable).
 *
 * "Refuses to start": a Lambda cannot refuse to start, and an exception at import would make every
 * invocation an unstructured 500 with a stack in the logs. So the configuration is read once per
 * container, on the first request that needs it (again only if the environment changes, which only tests
 * do); when it is invalid, every invocation logs one `configuration error` line naming the setting, and
 * answers fail-closed: 503 `AUTH_NOT_CONFIGURED` from the HTTP functions, a deny with reason
 * `AUTH_NOT_CONFIGURED` from the IMS authorizer. Nothing is decided with a half-read configuration.
 */
import { Logger } from '../../lib/util/logger.js';

export type AuthMode = 'gateway-jwt' | 'hs256';
export const AUTH_MODES: readonly AuthMode[] = ['gateway-jwt', 'hs256'];

/** The published development key of the local stack (infra/local/token.ts): refused on a real Lambda. */
export const LOCAL_DEVELOPMENT_KEY = 'ims-authz-local-development-key-not-for-production';
export const DEFAULT_HS256_ISSUER = 'ims-authz';
export const DEFAULT_API_AUDIENCE = 'ims-authz';
export const DEFAULT_IMS_AUDIENCE = 'ims-api';
/** RFC 7518 section 3.2: an HS256 key has at least as many bits as the hash output (256). */
export const MIN_HS256_KEY_BYTES = 32;

export interface AuthConfig {
  mode: AuthMode;
  issuer: string;
  apiAudience: string;
  imsAudience: string;
  /** hs256: the key. */
  key?: Buffer;
  /** gateway-jwt: where the IMS authorizer gets the issuer's keys (else OpenID discovery). */
  jwksUrl?: string;
}

export type AuthSetup = { ok: true; config: AuthConfig } | { ok: false; message: string };

let memo: { fingerprint: string; setup: AuthSetup } | undefined;

/** The configuration of this container (memoised on the variables it reads). */
export function authSetup(env: NodeJS.ProcessEnv = process.env): AuthSetup {
  const e = env;
  const fingerprint = JSON.stringify([e.AUTH_MODE, e.AUTH_JWT_SECRET, e.AUTH_JWT_ISSUER, e.AUTH_API_AUDIENCE, e.AUTH_IMS_AUDIENCE, e.AUTH_JWKS_URL, e.IS_OFFLINE, e.AWS_LAMBDA_FUNCTION_NAME]);
  if (memo?.fingerprint !== fingerprint) memo = { fingerprint, setup: readAuthConfig(env) };
  return memo.setup;
}

/** Reads and checks the settings; every refusal says which setting to fix. */
export function readAuthConfig(env: NodeJS.ProcessEnv): AuthSetup {
  const fail = (message: string): AuthSetup => ({ ok: false, message: `${message} (docs/deployment.md)` });
  const mode = (env.AUTH_MODE ?? '').trim();
  if (!(AUTH_MODES as readonly string[]).includes(mode)) return fail(`AUTH_MODE ${mode === '' ? 'is not set' : `"${mode.slice(0, 40)}" is not a mode`}: set gateway-jwt or hs256.`);
  const apiAudience = (env.AUTH_API_AUDIENCE ?? '').trim() || DEFAULT_API_AUDIENCE;
  const imsAudience = (env.AUTH_IMS_AUDIENCE ?? '').trim() || DEFAULT_IMS_AUDIENCE;
  if (apiAudience === imsAudience) return fail('AUTH_API_AUDIENCE and AUTH_IMS_AUDIENCE must differ.');
  const issuerSetting = (env.AUTH_JWT_ISSUER ?? '').trim();

  if (mode === 'gateway-jwt') {
    if (env.IS_OFFLINE === 'true') return fail('gateway-jwt under serverless-offline, which does not verify JWT signatures: use hs256 locally.');
    if (!isHttpsUrl(issuerSetting)) return fail('gateway-jwt needs AUTH_JWT_ISSUER, an https URL.');
    const config: AuthConfig = { mode, issuer: issuerSetting, apiAudience, imsAudience };
    const jwks = (env.AUTH_JWKS_URL ?? '').trim();
    if (jwks !== '') {
      if (!isHttpsUrl(jwks)) return fail('AUTH_JWKS_URL is not an https URL.');
      config.jwksUrl = jwks;
    }
    return { ok: true, config };
  }

  const secret = env.AUTH_JWT_SECRET ?? '';
  if (secret.includes('{{resolve:')) return fail('AUTH_JWT_SECRET is an unresolved dynamic reference (CloudFormation resolves it).');
  const key = Buffer.from(secret, 'utf8');
  if (key.length < MIN_HS256_KEY_BYTES) return fail(`hs256 needs AUTH_JWT_SECRET, a key of ${MIN_HS256_KEY_BYTES} bytes or more.`);
  if (secret === LOCAL_DEVELOPMENT_KEY && env.AWS_LAMBDA_FUNCTION_NAME && env.IS_OFFLINE !== 'true') return fail('AUTH_JWT_SECRET is the published development key.');
  return { ok: true, config: { mode: 'hs256', issuer: issuerSetting || DEFAULT_HS256_ISSUER, apiAudience, imsAudience, key } };
}

/** https, or http on a loopback host (a local issuer in tests); no query or fragment. */
export function isHttpsUrl(s: string): boolean {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  if (u.search !== '' || u.hash !== '') return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
}

/** One log line per invocation that met an invalid configuration (the operator's signal). */
export function logConfigurationError(fn: string, message: string): void {
  new Logger(fn).error('configuration error', { error: message });
}
