/** POST /v1/validate: body {"policy": <document or its JSON text>, "type", "scp_revision"}; response as the CLI's. */
import { validate } from '../lib/validate/validate.js';
import { VALIDATE_ROUTES } from './shared/routes.js';
import { httpHandler } from './shared/service.js';

const route = VALIDATE_ROUTES['POST /v1/validate'];

export const handler = httpHandler({ name: 'validate', auth: route.auth, body: route.request }, (_event, body) => {
  const options: Parameters<typeof validate>[1] = {};
  if (body.type) options.type = body.type;
  if (body.scp_revision) options.scp_revision = body.scp_revision;
  return { status: 200, body: validate(body.policy, options) };
});
