/** Entry point of the `ims-authz` binary (bundled to dist/cli.cjs). */
import { nodeIo, runCliAsync } from './main.js';

void runCliAsync(process.argv.slice(2), nodeIo).then((code) => {
  process.exitCode = code;
});
