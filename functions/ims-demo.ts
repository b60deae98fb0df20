/**
 * Demo backend behind the IMS API authorizer (`ANY /ims/{proxy+}`): it stands for the protected
 * IMS-compatible API and echoes the call and the authorizer's context (decision id, reason, action,
 * principal, region). It is reached only when the authorizer answered `isAuthorized: true`.
 */
import { publicService } from './shared/public-service.js';

export const handler = publicService({ name: 'ims-demo' }, (event) => {
  const authorizer = (event.requestContext as { authorizer?: { lambda?: Record<string, unknown> } } | undefined)?.authorizer;
  return {
    status: 200,
    body: {
      backend: 'ims-demo',
      method: event.requestContext?.http?.method ?? null,
      path: event.rawPath ?? null,
      authorizer: authorizer?.lambda ?? null,
    },
  };
});
