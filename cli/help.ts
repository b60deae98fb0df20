/** The help texts, derived from the command table (cli/commands.ts). */
import { type Command, COMMANDS } from './commands.js';

const EXIT_CODES = [
  'Exit codes:',
  '  0  ok (checks, diff: PASS)',
  '  1  validate found errors, or a check FAILed',
  '  2  unusable input or usage (printed as {"error": {"code", "message"}})',
  '  3  an analysis could not decide exactly (UNKNOWN: never a PASS)',
].join('\n');

function optionLines(c: Command): string[] {
  const rows = Object.entries(c.options).map(([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o.help] as const);
  rows.push(['--help', 'this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => `  ${l.padEnd(width)}${h}`);
}

export function commandHelp(c: Command): string {
  return [
    `Usage: ims-authz ${c.name} ${c.args}`,
    '',
    `${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}. ${c.details}`,
    '',
    'Options:',
    ...optionLines(c),
    '',
    c.examples.length === 1 ? 'Example:' : 'Examples:',
    ...c.examples.map((e) => `  ims-authz ${e}`),
  ].join('\n');
}

/** The usage column of the overall help: a longer usage gets a line of its own, its summary the next one. */
const USAGE_COLUMN = 52;

function commandRow(usage: string, summary: string): string[] {
  return usage.length + 2 <= USAGE_COLUMN ? [`  ${usage.padEnd(USAGE_COLUMN)}${summary}`] : [`  ${usage}`, `  ${''.padEnd(USAGE_COLUMN)}${summary}`];
}

export function overallHelp(): string {
  return [
    'Usage: ims-authz COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => commandRow(`${c.name} ${c.args}`, c.summary)),
    ...commandRow('help [COMMAND]', "this help, or a command's options and examples"),
    ...commandRow('--version', 'the version and the catalog version'),
    '',
    EXIT_CODES,
    'Reference: docs/cli.md.',
  ].join('\n');
}
