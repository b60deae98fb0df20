/**
 * Builds the policy playground page (web/) into dist/web: one ES module bundle of the page's code, CodeMirror
 * and the engine (lib/ with the compiled catalog inlined), one stylesheet, both named by content hash, and
 * index.html pointing at them. Every file is also written precompressed (`.br`, `.gz`); the playground
 * function (functions/playground.ts) serves the encoding the browser accepts, from dist/web/manifest.json.
 *
 * The library runs in the browser unchanged: its one Node built-in, `node:crypto` (randomUUID for decision
 * ids), is aliased to web/src/platform/crypto.ts, a browser implementation over `crypto.getRandomValues`
 * (available on plain-http origins too, unlike `crypto.randomUUID`). Any other `node:` import on the page's
 * path fails the build, so one cannot slip in unnoticed.
 *
 * Run by `npm run build` (scripts/build.ts); `tsx scripts/build-web.ts` builds the page alone.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');

/** URL path prefix of the hashed assets (the function's route `GET /playground/assets/{file}`). */
export const ASSET_PREFIX = 'playground/assets/';

/** One served file: its type, its bytes per encoding (relative paths under dist/web), its ETag. */
export interface ManifestFile {
  type: string;
  /** `immutable`: named by content hash, cached for a year; `revalidate`: the entry page (ETag, no-cache). */
  cache: 'immutable' | 'revalidate';
  etag: string;
  identity: { path: string; bytes: number };
  gzip: { path: string; bytes: number };
  br: { path: string; bytes: number };
}

export interface WebManifest {
  /** Keyed by the URL path below the site root, e.g. `playground/assets/app-ABC123.js`; the page is `index.html`. */
  files: Record<string, ManifestFile>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** `node:crypto` -> the browser implementation; any other Node built-in is an error. */
export const browserPlatform: Plugin = {
  name: 'browser-platform',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.path === 'node:crypto') return { path: join(root, 'web', 'src', 'platform', 'crypto.ts') };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) is a Node built-in: the playground runs in the browser. Give it a browser implementation in web/src/platform/.` }] };
    });
  },
};

function writeEncoded(rel: string, bytes: Buffer, cache: ManifestFile['cache']): ManifestFile {
  const abs = join(out, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, bytes);
  const gz = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  writeFileSync(`${abs}.gz`, gz);
  writeFileSync(`${abs}.br`, br);
  const ext = rel.slice(rel.lastIndexOf('.'));
  return {
    type: TYPES[ext] ?? 'application/octet-stream',
    cache,
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
    identity: { path: rel, bytes: bytes.length },
    gzip: { path: `${rel}.gz`, bytes: gz.length },
    br: { path: `${rel}.br`, bytes: br.length },
  };
}

export async function buildWeb(): Promise<WebManifest> {
  rmSync(out, { recursive: true, force: true });
  const assets = join(out, ...ASSET_PREFIX.split('/').filter(Boolean));
  const result = await build({
    entryPoints: { app: join(root, 'web', 'src', 'main.ts') },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16.4'],
    mainFields: ['browser', 'module', 'main'],
    entryNames: '[name]-[hash]',
    outdir: assets,
    write: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [browserPlatform],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files: Record<string, ManifestFile> = {};
  const names: Record<string, string> = {};
  for (const f of result.outputFiles) {
    const name = basename(f.path);
    names[name.endsWith('.css') ? 'css' : 'js'] = `${ASSET_PREFIX}${name}`;
    files[`${ASSET_PREFIX}${name}`] = writeEncoded(`${ASSET_PREFIX}${name}`, Buffer.from(f.contents), 'immutable');
  }
  if (!names.js || !names.css) throw new Error('the playground build did not produce one script and one stylesheet');
  const html = readFileSync(join(root, 'web', 'index.html'), 'utf8')
    .replace('%APP_JS%', names.js)
    .replace('%APP_CSS%', names.css);
  files['index.html'] = writeEncoded('index.html', Buffer.from(html), 'revalidate');
  const manifest: WebManifest = { files };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** One line per file for the build output: raw, gzip and brotli sizes. */
export function describeManifest(m: WebManifest): string {
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return Object.entries(m.files)
    .map(([name, f]) => `${`dist/web/${name}`.padEnd(52)} ${kib(f.identity.bytes).padStart(10)}  gzip ${kib(f.gzip.bytes).padStart(9)}  br ${kib(f.br.bytes).padStart(9)}`)
    .join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(describeManifest(await buildWeb()));
}
