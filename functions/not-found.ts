/** Catch-all route: unknown paths and methods get a structured 404 instead of the gateway's default. */
import { HttpError } from './shared/http.js';
import { publicService } from './shared/public-service.js';

export const handler = publicService({ name: 'not-found' }, (event) => {
  const method = event.requestContext?.http?.method ?? 'GET';
  throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${event.rawPath ?? '/'}; see GET /v1/openapi.json.`);
});
