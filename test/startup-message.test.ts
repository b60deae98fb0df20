/**
 * What `npm start` prints (infra/local/start.ts `startupMessage`): short, the tokens, a few curl lines that
 * name real routes with bodies the schemas accept, and the pointer to docs/http-api.md's curl line per route.
 */
import { describe, expect, it } from 'vitest';
import { startupMessage } from '../infra/local/start.js';
import { checkSchema } from '../lib/schema/schemas.js';
import { shellWords } from './support/doc-examples.js';
import { matchRoute } from './support/api.js';

const base = 'http://127.0.0.1:4000';
const text = startupMessage(base, { endpoint: 'http://127.0.0.1:4567', tableName: 't' }, { org_id: 'o-1', path: ['r-1', 'ou-1', 'ou-2', 'ou-3'] }, { token: 'T', mgmtToken: 'M', imsToken: 'I' });

describe('npm start output', () => {
  it('is short and points to the page with a curl line for every route', () => {
    expect(text.split('\n').length).toBeLessThanOrEqual(36);
    expect(text).toContain('docs/http-api.md');
    for (const v of ['TOKEN=T', 'MGMT_TOKEN=M', 'IMS_TOKEN=I']) expect(text).toContain(`export ${v}`);
  });

  it('each curl line to the API names a route and sends a body its schema accepts', () => {
    const lines = text.split('\n').filter((l) => l.trim().startsWith(`curl -s -X POST ${base}/v1/`));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const words = shellWords(line.trim().split(' | ')[0] as string);
      const url = words.find((w) => w.startsWith(base)) as string;
      const found = matchRoute('POST', url.slice(base.length));
      expect(found, url).toBeDefined();
      const body = JSON.parse(words[words.indexOf('-d') + 1] as string);
      expect(checkSchema(found!.route.request!, body), line).toBeNull();
    }
  });

  it('each GET curl line to the API names a route (and the preview, a DELETE with ?preview=true)', () => {
    const preview = text.split('\n').find((l) => l.trim().startsWith(`curl -s -X DELETE '${base}/v1/organizations/o-1/nodes/ou-2/policies/`));
    expect(preview).toContain('?preview=true');
    expect(matchRoute('DELETE', '/v1/organizations/o-1/nodes/ou-2/policies/deny-unencrypted-copy'), preview).toBeDefined();
    const lines = text.split('\n').filter((l) => l.trim().startsWith(`curl -s '${base}/v1/`));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const url = (shellWords(line.trim().split(' | ')[0] as string)[2] as string).split('?')[0] as string;
      expect(matchRoute('GET', url.slice(base.length)), url).toBeDefined();
    }
    // One for each route of unused access.
    const paths = lines.map((l) => (shellWords(l.trim().split(' | ')[0] as string)[2] as string).split('?')[0]?.slice(base.length));
    expect(paths).toEqual(expect.arrayContaining(['/v1/access/unused', '/v1/access/suggest']));
  });
});
