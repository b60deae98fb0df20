/**
 * The playground function in-process (the built dist/web): the page at / and /playground, the hashed assets,
 * the encoding the browser accepts, caching (immutable assets, a revalidated page, 304), structured 404s for
 * anything else, and serverless.yml routing each of its routes to it and packaging dist/web with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, handler, PAGE_ROUTES } from '../functions/playground.js';
import type { HttpResult } from '../functions/shared/http.js';
import { httpEvent, lambdaContext } from './support/events.js';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'web', 'manifest.json'))) throw new Error('dist/web is missing: run npm run build first (the playground function serves the built page).');

async function get(path: string, headers: Record<string, string> = {}, file?: string): Promise<HttpResult & { text: string }> {
  const event = httpEvent('GET', path, undefined, headers);
  if (file !== undefined) event.pathParameters = { file };
  const r = (await handler(event, lambdaContext)) as HttpResult;
  const raw = r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64') : Buffer.from(r.body ?? '');
  const encoding = r.headers?.['content-encoding'];
  const text = (encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  return { ...r, text };
}

describe('playground function', () => {
  it.each(['/', '/playground', '/playground/'])('GET %s serves the page, revalidated, with a strict CSP', async (path) => {
    const r = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(r.statusCode).toBe(200);
    expect(r.isBase64Encoded).toBe(true);
    expect(r.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers?.['content-encoding']).toBe('br');
    expect(r.headers?.['cache-control']).toBe('no-cache');
    expect(r.headers?.vary).toBe('accept-encoding');
    expect(r.headers?.['content-security-policy']).toMatch(/default-src 'none'; script-src 'self';.*connect-src 'self'/);
    expect(r.text).toContain('<script type="module" src="playground/assets/app-');
  });

  it('serves each hashed asset immutable, in the encoding asked for, and 304 on its ETag', async () => {
    const html = (await get('/')).text;
    const assets = [...html.matchAll(/(?:src|href)="playground\/assets\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBe(2);
    for (const file of assets) {
      const plain = readFileSync(join(root, 'dist', 'web', 'playground', 'assets', file), 'utf8');
      for (const [accept, encoding] of [
        ['gzip', 'gzip'],
        ['br;q=1, gzip;q=0.5', 'br'],
        ['identity', undefined],
        ['', undefined],
      ] as const) {
        const r = await get(`/playground/assets/${file}`, { 'accept-encoding': accept }, file);
        expect(r.statusCode).toBe(200);
        expect(r.headers?.['content-encoding']).toBe(encoding);
        expect(r.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(r.text).toBe(plain);
        const again = await get(`/playground/assets/${file}`, { 'if-none-match': r.headers?.etag as string }, file);
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
      }
    }
  });

  it.each([
    ['an unknown asset', 'app-NOPE.js'],
    ['a prototype key', '__proto__'],
    ['the manifest', '..%2Fmanifest.json'],
    ['a path', '../manifest.json'],
    ['an empty name', ''],
  ])('%s is a structured 404', async (_name, file) => {
    const r = await get(`/playground/assets/${file}`, {}, file);
    expect(r.statusCode).toBe(404);
    expect(r.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('any other asset name or encoding header is a 404 or the file, never a fault', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 60 }), async (file, accept) => {
        const r = await get(`/playground/assets/${file}`, { 'accept-encoding': accept }, file);
        expect([200, 404]).toContain(r.statusCode);
        if (r.statusCode === 404) expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
      }),
      { numRuns: 200 },
    );
  });

  it('picks br, then gzip, then plain, honouring q=0', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip, deflate')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*;q=0')).toBe('identity');
    expect(chooseEncoding(undefined)).toBe('identity');
    expect(chooseEncoding('deflate')).toBe('identity');
  });

  it('serverless.yml routes its routes to it and packages dist/web with its bundle', () => {
    const yml = readFileSync(join(root, 'serverless.yml'), 'utf8');
    const fn = /\n {2}playground:\n([\s\S]*?)\n {2}[a-zA-Z]+:\n/.exec(yml)?.[1] ?? '';
    expect(fn).toContain('handler: ${self:custom.codeRoot}/playground.handler');
    expect(fn).toContain("'dist/web/**'");
    for (const route of PAGE_ROUTES) {
      const [method, path] = route.split(' ');
      expect(fn).toContain(`- httpApi: { method: ${method}, path: '${path}' }   # public`);
    }
    expect(fn).not.toContain('authorizer');
  });
});
