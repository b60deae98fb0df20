/**
 * What a module pulls in when bundled as a function would (esbuild, the AWS SDK and the catalog external):
 * the store modules it reaches, any dynamodb-toolbox file, and the AWS SDK packages it imports. The tests that
 * hold the read path and the usage recording free of the toolbox and the SDK (cold start) read these.
 */
import { join } from 'node:path';
import { build } from 'esbuild';

export interface BundleInputs {
  /** The store modules reached, sorted. */
  store: string[];
  /** Input files of dynamodb-toolbox (none expected where it is checked). */
  toolbox: string[];
  /** External imports of the AWS SDK or smithy. */
  sdk: string[];
}

export async function bundleInputsOf(entryPoints: string[]): Promise<BundleInputs> {
  const result = await build({
    absWorkingDir: join(import.meta.dirname, '..', '..'),
    entryPoints,
    bundle: true,
    write: false,
    outdir: 'out',
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*', '@smithy/*', '@ims-authz/catalog'],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  return {
    store: inputs.filter((i) => i.startsWith('store/')).sort(),
    toolbox: inputs.filter((i) => i.includes('dynamodb-toolbox')),
    sdk: imports.filter((i) => /^@(aws-sdk|smithy)\//.test(i)),
  };
}
