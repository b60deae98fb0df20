/** GET /v1/openapi.json: the OpenAPI 3.1 document, generated from the schemas the functions validate with. */
import { catalog } from '../lib/catalog/catalog.js';
import { openApiDocument } from './shared/openapi.js';
import { publicService } from './shared/public-service.js';

let body: string | undefined;

export const handler = publicService({ name: 'openapi' }, () => ({
  status: 200,
  rawBody: (body ??= JSON.stringify(openApiDocument())),
  headers: { 'cache-control': 'public, max-age=300', etag: `"${catalog.version}"` },
}));
