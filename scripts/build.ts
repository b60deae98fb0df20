/**
 * Builds the CLI and the library entry with esbuild (CommonJS, minified, tree-shaken). The compiled
 * catalog stays external: it is the shared package (`@ims-authz/catalog`, the Lambda layer). Also builds the
 * playground page into dist/web (scripts/build-web.ts), which the `playground` function serves.
 * Run after build-catalog.ts (`npm run build` does both).
 */
import { chmodSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { FUNCTIONS } from '../functions/shared/routes.js';
import { buildWeb, describeManifest } from './build-web.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @middy/core imports node:stream, node:stream/promises and node:stream/web for streamed responses, which no
 * function here uses; loading node:stream/web alone costs about 1.7 ms of every cold start. Inside middy,
 * these imports become modules whose exports load the builtin on first access (never, for our handlers).
 */
const LAZY_BUILTINS: Record<string, string[]> = { 'node:stream': ['Readable'], 'node:stream/promises': ['pipeline'], 'node:stream/web': ['ReadableStream'] };
const lazyMiddyBuiltins: Plugin = {
  name: 'lazy-middy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:stream(\/promises|\/web)?$/ }, (args) => (/[\\/]@middy[\\/]core[\\/]/.test(args.importer) ? { path: args.path, namespace: 'lazy-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: (LAZY_BUILTINS[args.path] ?? [])
        .map((name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(args.path)}).${name} });`)
        .join('\n'),
    }));
  },
};

const common: BuildOptions = {
  bundle: true,
  minify: true,
  treeShaking: true,
  sourcemap: 'linked',
  legalComments: 'none',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: ['@ims-authz/catalog', '@aws-sdk/*', '@smithy/*'],
  logLevel: 'warning',
  plugins: [lazyMiddyBuiltins],
};

const targets: Array<{ entry: string; out: string; banner?: string }> = [
  { entry: 'cli/bin.ts', out: 'dist/cli.cjs', banner: '#!/usr/bin/env node' },
  { entry: 'lib/index.ts', out: 'dist/index.cjs' },
  // One bundle per Lambda function of the route table (functions/<name>.ts -> dist/functions/<name>.cjs).
  ...FUNCTIONS.map(({ name }) => ({ entry: `functions/${name}.ts`, out: `dist/functions/${name}.cjs` })),
];

const web = buildWeb();
const results = await Promise.all(
  targets.map(async (t) => {
    const options: BuildOptions = { ...common, entryPoints: [join(root, t.entry)], outfile: join(root, t.out), metafile: true };
    if (t.banner) options.banner = { js: t.banner };
    const r = await build(options);
    if (t.banner) chmodSync(join(root, t.out), 0o755);
    // `(DynamoDB)`: dynamodb-toolbox (or a bundled DynamoDB client) is in the bundle. `(lib-dynamodb)`: the
    // bundle only imports the external AWS SDK document client (store/evaluation-reader.ts), which costs
    // nothing here: the SDK is not bundled.
    const inputs = Object.keys(r.metafile?.inputs ?? {});
    const dynamo = inputs.some((i) => i.includes('dynamodb-toolbox') || i.includes('client-dynamodb'));
    const sdkOnly = !dynamo && Object.values(r.metafile?.outputs ?? {}).some((o) => o.imports.some((i) => i.external && /^@aws-sdk\/(lib|client)-dynamodb/.test(i.path)));
    return `${t.out.padEnd(30)} ${(statSync(join(root, t.out)).size / 1024).toFixed(1).padStart(7)} KiB${dynamo ? '  (DynamoDB)' : sdkOnly ? '  (lib-dynamodb)' : ''}`;
  }),
);
console.log(results.join('\n'));
console.log(describeManifest(await web));
