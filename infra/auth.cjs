// The auth mode of a deployment for serverless.yml (docs/deployment.md): which credentials the functions
// trust, the API Gateway authorizers and the functions' AUTH_* environment, from the stage parameters
// (`params:` in serverless.yml or `--param=name=value`). Everything that differs between the modes is here;
// the rules the functions apply are functions/shared/auth-config.ts.
//
//   authMode      gateway-jwt | hs256 (required: there is no default mode)
//   jwtIssuer     gateway-jwt: the issuer URL (https, the tokens' `iss`; its JWKS is found by OpenID discovery)
//                 hs256: the `iss` of the tokens (default ims-authz)
//   jwksUrl       gateway-jwt, optional: the issuer's key set for the IMS authorizer (default: discovery)
//   apiAudience   the audience of tokens for this service's /v1 API (default ims-authz)
//   imsAudience   the audience of tokens for the IMS API behind the IMS authorizer (default ims-api)
//   authSecretId  hs256: the Secrets Manager secret holding the HS256 key (default ims-authz/<stage>/jwt-signing-key)
//
// In the hs256 mode the key reaches the functions as a CloudFormation dynamic reference
// (`{{resolve:secretsmanager:...}}`): resolved by CloudFormation at deploy time, so `sls package` needs no AWS
// access and the template holds no key. The local stack (npm start, npm run offline) sets
// AUTH_OFFLINE_JWT_SECRET instead; infra/cfn-offline-stub.ts drops it while packaging.
'use strict';

const MODES = ['gateway-jwt', 'hs256'];

const fail = (message) => {
  throw new Error(`ims-authz auth configuration: ${message} See docs/deployment.md.`);
};

/** The auth section for a set of parameters (exported for the tests). */
function authSection({ mode, issuer, jwksUrl, apiAudience, imsAudience, secretId, offlineSecret, stage, imsAuthorizer }) {
  if (!mode) fail('no auth mode: pass --param=authMode=gateway-jwt (API Gateway verifies the tokens) or --param=authMode=hs256 (the functions verify them with a key from Secrets Manager).');
  if (!MODES.includes(mode)) fail(`authMode "${mode}" is not a mode: use gateway-jwt or hs256.`);
  const api = apiAudience || 'ims-authz';
  const ims = imsAudience || 'ims-api';
  if (api === ims) fail(`apiAudience and imsAudience are both "${api}": the two kinds of token must have different audiences.`);
  const environment = { AUTH_MODE: mode, AUTH_API_AUDIENCE: api, AUTH_IMS_AUDIENCE: ims, AUTH_JWT_ISSUER: '', AUTH_JWKS_URL: '', AUTH_JWT_SECRET: '' };
  const authorizers = { imsAuthorizer };
  if (mode === 'gateway-jwt') {
    if (!issuer) fail('authMode gateway-jwt needs --param=jwtIssuer=<https issuer URL> (the tokens\' iss; API Gateway reads its OpenID discovery document).');
    if (!/^https:\/\/[^\s?#]+$/.test(issuer)) fail(`jwtIssuer "${issuer}" is not an https URL.`);
    if (jwksUrl && !/^https:\/\/[^\s]+$/.test(jwksUrl)) fail(`jwksUrl "${jwksUrl}" is not an https URL.`);
    environment.AUTH_JWT_ISSUER = issuer;
    environment.AUTH_JWKS_URL = jwksUrl || '';
    // API Gateway's native JWT authorizer: the issuer's JWKS (asymmetric keys), this API's audience.
    authorizers.v1Jwt = { type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: issuer, audience: [api] };
    return { mode, authorizers, v1Authorizer: 'v1Jwt', environment };
  }
  environment.AUTH_JWT_ISSUER = issuer || 'ims-authz';
  if (offlineSecret) {
    environment.AUTH_JWT_SECRET = offlineSecret;
  } else {
    const id = secretId || `ims-authz/${stage}/jwt-signing-key`;
    if (!/^[A-Za-z0-9/_+=.@:-]{1,2048}$/.test(id)) fail(`authSecretId "${id}" is not a Secrets Manager secret name or ARN.`);
    environment.AUTH_JWT_SECRET = `{{resolve:secretsmanager:${id}:SecretString}}`;
  }
  // No authorizer on the /v1 routes: the functions verify the bearer token themselves.
  return { mode, authorizers, v1Authorizer: '', environment };
}

module.exports = async ({ resolveVariable }) => {
  const param = async (name) => {
    const v = await resolveVariable(`param:${name}, ''`);
    return typeof v === 'string' ? v.trim() : v == null ? '' : String(v);
  };
  return authSection({
    mode: await param('authMode'),
    issuer: await param('jwtIssuer'),
    jwksUrl: await param('jwksUrl'),
    apiAudience: await param('apiAudience'),
    imsAudience: await param('imsAudience'),
    secretId: await param('authSecretId'),
    offlineSecret: (process.env.AUTH_OFFLINE_JWT_SECRET || '').trim(),
    stage: await resolveVariable('sls:stage'),
    imsAuthorizer: await resolveVariable('self:custom.imsAuthorizer.definition'),
  });
};
module.exports.authSection = authSection;
