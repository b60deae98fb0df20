/**
 * The policy playground page: `GET /` and `GET /playground` serve the page, `GET /playground/assets/{file}`
 * its content-hashed script and stylesheet, and the analysis worker the page loads on demand. The files come from dist/web (scripts/build-web.ts, packaged with
 * this function), precompressed: the reply carries the brotli or gzip bytes the browser accepts (base64 in the
 * Lambda result), so the transferred size is the budgeted one (bench/budgets.json, test/page-budget.test.ts).
 *
 * Caching: hashed assets are immutable (a year); the page itself is revalidated on every load (ETag, 304),
 * so a new build reaches browsers at once. Nothing here reads a token or the store: the page runs the engine
 * in the browser and calls the service only when its user pastes a token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { header, HttpError, type HttpEvent, type HttpResult, type Reply } from './shared/http.js';
import { publicService } from './shared/public-service.js';
import { PLAYGROUND_ROUTES } from './shared/routes.js';

/** The routes of this function (shared/routes.ts; serverless.yml routes each of them here: test/playground-function.test.ts). */
export const PAGE_ROUTES = Object.keys(PLAYGROUND_ROUTES) as ReadonlyArray<keyof typeof PLAYGROUND_ROUTES>;

interface EncodedFile {
  path: string;
  bytes: number;
}
interface ManifestFile {
  type: string;
  cache: 'immutable' | 'revalidate';
  etag: string;
  identity: EncodedFile;
  gzip: EncodedFile;
  br: EncodedFile;
}

/**
 * Where the built page is: PLAYGROUND_ROOT if set; else dist/web beside the bundle's folder (the bundle is
 * dist/functions/playground.cjs, packaged with dist/web); else dist/web under the working directory (the
 * TypeScript source run by tsx or vitest, from the project root).
 */
function webRoots(): string[] {
  const roots: string[] = [];
  if (process.env.PLAYGROUND_ROOT) roots.push(process.env.PLAYGROUND_ROOT);
  if (typeof __dirname === 'string') roots.push(join(__dirname, '..', 'web'));
  roots.push(join(process.cwd(), 'dist', 'web'));
  return roots;
}

let root: string | undefined;
let manifest: Record<string, ManifestFile> | undefined;
/** Base64 bodies by file path, read on first request (cold start reads nothing). */
const bodies = new Map<string, string>();

function files(): Record<string, ManifestFile> {
  if (!manifest) {
    for (const dir of webRoots()) {
      let text: string;
      try {
        text = readFileSync(join(dir, 'manifest.json'), 'utf8');
      } catch {
        continue;
      }
      manifest = (JSON.parse(text) as { files: Record<string, ManifestFile> }).files;
      root = dir;
      break;
    }
    if (!manifest) throw new HttpError(404, 'NOT_FOUND', 'The playground page is not built in this deployment (npm run build writes dist/web).');
  }
  return manifest;
}

function body(path: string): string {
  let b = bodies.get(path);
  if (b === undefined) {
    b = readFileSync(join(root as string, path)).toString('base64');
    bodies.set(path, b);
  }
  return b;
}

/** `br` if the browser accepts it, else `gzip`, else the plain bytes (q=0 refuses an encoding). */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find((m) => m)?.[1];
    accepted.set(name, q === undefined ? 1 : Number(q) || 0);
  }
  const ok = (n: string): boolean => (accepted.get(n) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

/**
 * A strict Content-Security-Policy: scripts and styles from this origin only (CodeMirror's injected styles need
 * 'unsafe-inline' for style elements), requests to this origin only (the service), no frames, no forms.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function serve(name: string, accept: string | undefined, ifNoneMatch: string | undefined): Reply {
  const all = files();
  const f = Object.hasOwn(all, name) ? all[name] : undefined;
  if (!f) throw new HttpError(404, 'NOT_FOUND', `No playground asset ${JSON.stringify(name.slice(0, 200))}; the page names its assets by content hash (reload the page).`);
  const headers: Record<string, string> = {
    'content-type': f.type,
    etag: f.etag,
    vary: 'accept-encoding',
    'cache-control': f.cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (f.cache === 'revalidate') {
    headers['content-security-policy'] = CSP;
    headers['referrer-policy'] = 'no-referrer';
  }
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === f.etag || t.trim() === '*')) return { status: 304, rawBody: '', headers };
  const encoding = chooseEncoding(accept);
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  return { status: 200, rawBody: body(f[encoding].path), headers };
}

const serveFiles = publicService({ name: 'playground' }, (event) => {
  const path = event.rawPath ?? '/';
  const accept = header(event, 'accept-encoding');
  const inm = header(event, 'if-none-match');
  if (path === '/' || path === '/playground' || path === '/playground/') return serve('index.html', accept, inm);
  const file = event.pathParameters?.file ?? (path.startsWith('/playground/assets/') ? path.slice('/playground/assets/'.length) : undefined);
  if (file === undefined || file.length === 0 || file.includes('/')) throw new HttpError(404, 'NOT_FOUND', `No playground route for ${path.slice(0, 200)}.`);
  return serve(`playground/assets/${file}`, accept, inm);
});

/**
 * Every 200 of this function carries a file's bytes as base64 (`serve`), which API Gateway decodes when the
 * result says so; 304s and errors are text. Marked here rather than in the shared reply shape, so the other
 * functions' bundles carry nothing for it.
 */
export async function handler(event: HttpEvent, context: Context): Promise<HttpResult> {
  const result = await serveFiles(event, context);
  if (result.statusCode === 200) result.isBase64Encoded = true;
  return result;
}
