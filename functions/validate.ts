/** POST /v1/validate: body {"policy": <document or its JSON text>, "type", "scp_revision"}; response as the CLI's. */
import type { ValidateRequest } from '../lib/types.js';
import { validate } from '../lib/validate/validate.js';
import { state } from './shared/middlewares.js';
import { service } from './shared/service.js';

export const handler = service({ name: 'validate', auth: 'authenticated', body: 'ValidateRequest' }, (event) => {
  const body = state(event).body as ValidateRequest;
  const options: Parameters<typeof validate>[1] = {};
  if (body.type) options.type = body.type;
  if (body.scp_revision) options.scp_revision = body.scp_revision;
  return { status: 200, body: validate(body.policy, options) };
});
