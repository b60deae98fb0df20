/** Entry point of the `ims-authz` binary (bundled to dist/cli.cjs). */
import { nodeIo, runCli } from './main.js';

process.exitCode = runCli(process.argv.slice(2), nodeIo);
