/** Command-line arguments: the one reader every `ims-authz` command uses, and the error it throws. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The command's options and argument. node:util `parseArgs` reads the command line (as tokens, without its
 * strict checks); these rules give them the meaning they have always had: `--name value` or `--name=value`
 * (the value is everything after the first '=', so `--type=scp=scp` keeps its second '='), a flag takes no
 * value (`--text=x` is refused), option names are own keys of `flags` only (`--constructor` and
 * `--__proto__` are unknown options, never Object.prototype's members), `--` is an unknown option (not an
 * end of options), an argument starting with a single '-' is an argument (`-` is standard input), and the
 * first problem in command-line order is the one reported. test/cli-args.test.ts checks these rules
 * against the hand-written parser this replaced.
 */
export function readArgs(args: string[], flags: Record<string, 'bool' | 'value'>, maxPositional = 1): { positional: string[]; options: Record<string, string | true> } {
  const config: Record<string, { type: 'boolean' | 'string' }> = Object.create(null) as Record<string, { type: 'boolean' | 'string' }>;
  for (const [name, kind] of Object.entries(flags)) config[name] = { type: kind === 'bool' ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const positional: string[] = [];
  const options: Record<string, string | true> = Object.create(null) as Record<string, string | true>;
  let shortIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positional.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') throw new UsageError('UNKNOWN_OPTION', 'Unknown option --.');
    const raw = args[token.index] as string;
    if (!raw.startsWith('--')) {
      // `-x`, `-abc`, `-1`: parseArgs reads short options (a group is several tokens); here they are arguments.
      if (token.index !== shortIndex) positional.push(raw);
      shortIndex = token.index;
      continue;
    }
    // The name as written before the first '=' (parseArgs reads `--=x` as the option "=x"; the message says `--`).
    const eq = raw.indexOf('=');
    const name = eq === -1 ? raw.slice(2) : raw.slice(2, eq);
    // Own keys only: `--constructor` or `--__proto__` must not find Object.prototype's members.
    const kind = Object.prototype.hasOwnProperty.call(flags, name) ? flags[name] : undefined;
    if (!kind) throw new UsageError('UNKNOWN_OPTION', `Unknown option --${name}.`);
    if (kind === 'bool') {
      if (token.inlineValue) throw new UsageError('INVALID_OPTION', `--${name} takes no value.`);
      options[name] = true;
    } else {
      if (token.value === undefined) throw new UsageError('MISSING_OPTION_VALUE', `--${name} needs a value.`);
      options[name] = token.value;
    }
  }
  if (positional.length > maxPositional) throw new UsageError('TOO_MANY_ARGUMENTS', `Unexpected argument ${positional[maxPositional]}.`);
  return { positional, options };
}
