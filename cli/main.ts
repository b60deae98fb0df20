/**
 * The `ims-authz` command line: a thin adapter over lib/ (read input, call the library, print JSON or text).
 * The commands, their options and their help come from one table (cli/commands.ts); docs/cli.md is the
 * reference. Exit codes: 0 success (validate: valid; evaluate/explain: whatever the decision), 1 validate
 * found error findings or a check FAILed, 2 unusable input or usage (printed as {"error": {"code", "message"}}),
 * 3 an analysis could not decide exactly (UNKNOWN: never a PASS).
 */
import pkg from '../package.json' with { type: 'json' };
import { catalogVersion } from '../lib/catalog/catalog.js';
import type { ErrorResponse } from '../lib/types.js';
import { readArgs, UsageError } from './args.js';
import { COMMANDS, findCommand } from './commands.js';
import { commandHelp, overallHelp } from './help.js';
import type { Io } from './io.js';

export { readArgs, UsageError } from './args.js';
export { type Io, nodeIo } from './io.js';

/**
 * Runs a command whose work is synchronous (every command but those that call a service: `import ... --url`);
 * the tests run these. The binary runs `runCliAsync`, which also awaits the others.
 */
export function runCli(argv: string[], io: Io): number {
  const code = dispatch(argv, io);
  if (typeof code !== 'number') throw new Error('This command calls a service: run it with runCliAsync.');
  return code;
}

/** Runs any command, awaiting those that call a service; errors of either kind end as the same exit codes. */
export async function runCliAsync(argv: string[], io: Io): Promise<number> {
  const code = dispatch(argv, io);
  if (typeof code === 'number') return code;
  return code.catch((err: unknown) => failure(err, io));
}

function dispatch(argv: string[], io: Io): number | Promise<number> {
  const [name, ...rest] = argv;
  try {
    switch (name) {
      case undefined:
        io.stdout(`${overallHelp()}\n`);
        return 2;
      case '--help':
      case '-h':
      case 'help': {
        const topic = name === 'help' ? readArgs(rest, {}).positional[0] : undefined;
        if (topic === undefined || topic === 'help') {
          io.stdout(`${overallHelp()}\n`);
          return 0;
        }
        const command = findCommand(topic);
        if (!command) throw new UsageError('UNKNOWN_COMMAND', `No help for "${topic}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
        io.stdout(`${commandHelp(command)}\n`);
        return 0;
      }
      case '--version':
      case 'version':
        readArgs(rest, {});
        io.stdout(`ims-authz ${pkg.version} (catalog ${catalogVersion()})\n`);
        return 0;
      default: {
        const command = findCommand(name);
        if (!command) throw new UsageError('UNKNOWN_COMMAND', `Unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}; \`ims-authz help\` describes them.`);
        if (command.raw || !command.run) {
          if (!command.raw) throw new Error(`command ${command.name} has neither run nor raw`);
          if (rest.includes('--help')) {
            io.stdout(`${commandHelp(command)}\n`);
            return 0;
          }
          return command.raw(rest, io);
        }
        const flags: Record<string, 'bool' | 'value'> = { help: 'bool' };
        for (const [option, spec] of Object.entries(command.options)) flags[option] = spec.kind;
        const input = readArgs(rest, flags, command.maxArgs ?? 1);
        if (input.options.help) {
          io.stdout(`${commandHelp(command)}\n`);
          return 0;
        }
        return command.run(input, io);
      }
    }
  } catch (err) {
    return failure(err, io);
  }
}

function failure(err: unknown, io: Io): number {
  const json = (v: unknown): void => io.stdout(`${JSON.stringify(v, null, 2)}\n`);
  if (err instanceof UsageError) {
    const body: ErrorResponse = { error: { code: err.code, message: err.message } };
    json(body);
    return 2;
  }
  const body: ErrorResponse = { error: { code: 'INTERNAL_ERROR', message: 'Unexpected failure; please report it.' } };
  io.stderr(`${(err as Error).stack ?? String(err)}\n`);
  json(body);
  return 2;
}
