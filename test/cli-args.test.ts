/**
 * The CLI's argument reading (cli/main.ts readArgs, over node:util parseArgs) against an oracle: the
 * hand-written parser it replaced, kept here verbatim. Same options and argument, or the same refusal (code
 * and message), for the rules' examples and for generated command lines built from the tricky pieces
 * (`--`, `-`, `--x=`, `--x=a=b`, short options, prototype names, Unicode).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readArgs, UsageError } from '../cli/main.js';

type Flags = Record<string, 'bool' | 'value'>;
type Outcome = { positional: string[]; options: Record<string, string | true> } | { error: string; message: string };

/** The parser of cli/main.ts before parseArgs (the oracle). */
function oracle(args: string[], flags: Flags): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = Object.create(null) as Record<string, string | true>;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      const kind = Object.prototype.hasOwnProperty.call(flags, name) ? flags[name] : undefined;
      if (!kind) throw new UsageError('UNKNOWN_OPTION', `Unknown option --${name}.`);
      if (kind === 'bool') {
        if (inline !== undefined) throw new UsageError('INVALID_OPTION', `--${name} takes no value.`);
        options[name] = true;
      } else {
        const v = inline ?? args[++i];
        if (v === undefined) throw new UsageError('MISSING_OPTION_VALUE', `--${name} needs a value.`);
        options[name] = v;
      }
    } else positional.push(a);
  }
  if (positional.length > 1) throw new UsageError('TOO_MANY_ARGUMENTS', `Unexpected argument ${positional[1]}.`);
  return { positional, options };
}

function outcome(parse: (args: string[], flags: Flags) => { positional: string[]; options: Record<string, string | true> }, args: string[], flags: Flags): Outcome {
  try {
    const r = parse(args, flags);
    return { positional: r.positional, options: { ...r.options } };
  } catch (err) {
    if (err instanceof UsageError) return { error: err.code, message: err.message };
    throw err;
  }
}

const VALIDATE: Flags = { type: 'value', 'scp-revision': 'value', text: 'bool' };
const EXPLAIN: Flags = { text: 'bool' };
const NONE: Flags = {};
const FLAG_SETS: Array<[string, Flags]> = [
  ['validate', VALIDATE],
  ['explain', EXPLAIN],
  ['catalog', NONE],
];

const PIECES = [
  'p.json',
  'q.json',
  '-',
  '--',
  '---x',
  '--=',
  '--=x',
  '--type',
  '--type=',
  '--type=scp',
  '--type=scp=scp',
  'scp',
  '--scp-revision',
  '--scp-revision=2024=x',
  '2024',
  '--text',
  '--text=',
  '--text=false',
  '--TEXT',
  '-t',
  '-abc',
  '-1',
  '-t=x',
  '--constructor',
  '--__proto__',
  '--toString',
  '--hasOwnProperty=1',
  '__proto__',
  '',
  ' ',
  '=',
  'a=b',
  '--\u{1f600}',
  '\ud800',
];

describe('readArgs (node:util parseArgs) against the hand-written parser', () => {
  it.each([
    [['p.json'], VALIDATE, { positional: ['p.json'], options: {} }],
    [['p.json', '--type', 'scp', '--text'], VALIDATE, { positional: ['p.json'], options: { type: 'scp', text: true } }],
    [['--type=scp=scp', 'p.json'], VALIDATE, { positional: ['p.json'], options: { type: 'scp=scp' } }],
    [['--type', '--text'], VALIDATE, { positional: [], options: { type: '--text' } }],
    [['--type', '-'], VALIDATE, { positional: [], options: { type: '-' } }],
    [['-', '--text', '--text'], EXPLAIN, { positional: ['-'], options: { text: true } }],
    [['-t'], VALIDATE, { positional: ['-t'], options: {} }],
    [['-abc'], VALIDATE, { positional: ['-abc'], options: {} }],
    // A '-' inside a short group is not an end of options (found by the property below).
    [['- -'], VALIDATE, { positional: ['- -'], options: {} }],
    [['- -', '--nope'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --nope.' }],
    [['--type', '-x'], VALIDATE, { positional: [], options: { type: '-x' } }],
    [['p.json', '--nope'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --nope.' }],
    [['p.json', '--'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --.' }],
    [['p.json', '--=x'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --.' }],
    [['--constructor', 'x'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --constructor.' }],
    [['--__proto__', 'x'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --__proto__.' }],
    [['--text=false'], VALIDATE, { error: 'INVALID_OPTION', message: '--text takes no value.' }],
    [['--text='], VALIDATE, { error: 'INVALID_OPTION', message: '--text takes no value.' }],
    [['p.json', '--type'], VALIDATE, { error: 'MISSING_OPTION_VALUE', message: '--type needs a value.' }],
    [['a.json', 'b.json'], VALIDATE, { error: 'TOO_MANY_ARGUMENTS', message: 'Unexpected argument b.json.' }],
    [['a.json', 'b.json', '--nope'], VALIDATE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --nope.' }],
    [['--text'], NONE, { error: 'UNKNOWN_OPTION', message: 'Unknown option --text.' }],
  ] as Array<[string[], Flags, Outcome]>)('%j', (args, flags, expected) => {
    expect(outcome(readArgs, args, flags)).toEqual(expected);
    expect(outcome(oracle, args, flags)).toEqual(expected);
  });

  it('options never land on Object.prototype, and the options record has no prototype', () => {
    const r = readArgs(['--type', 'scp'], VALIDATE);
    expect(Object.getPrototypeOf(r.options)).toBeNull();
    expect(() => readArgs(['--__proto__', 'x'], VALIDATE)).toThrow(UsageError);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('property: the same outcome as the oracle on generated command lines', () => {
    const arg = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PIECES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map((s) => `--${s}`) },
    );
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 7 }), fc.constantFrom(...FLAG_SETS), (args, [, flags]) => {
        expect(outcome(readArgs, args, flags)).toEqual(outcome(oracle, args, flags));
      }),
      { numRuns: 5000 },
    );
  });
});
