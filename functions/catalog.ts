/** GET /v1/catalog: the compiled catalog, cacheable (strong ETag = catalog version). */
import { catalog } from '../lib/catalog/catalog.js';
import { header } from './shared/http.js';
import { publicService } from './shared/public-service.js';

let body: string | undefined;

export const handler = publicService({ name: 'catalog' }, (event) => {
  const etag = `"${catalog.version}"`;
  const headers = { etag, 'cache-control': 'public, max-age=300, must-revalidate', 'x-catalog-version': catalog.version };
  const inm = header(event, 'if-none-match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) return { status: 304, rawBody: '', headers };
  return { status: 200, rawBody: (body ??= JSON.stringify(catalog)), headers };
});
