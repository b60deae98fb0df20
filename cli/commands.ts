/**
 * The commands of `ims-authz`, one table: each command's synopsis, options, example and what it runs. The
 * help (`ims-authz help`, `help COMMAND`, `COMMAND --help`) and the option reader are derived from it, so a
 * command cannot exist without its help. docs/cli.md is the reference; test/cli-help.test.ts runs every
 * example shown here.
 */
import { catalog } from '../lib/catalog/catalog.js';
import { IMPORT_LIMITS } from '../lib/import/huawei/plan.js';
import { evaluate, explain } from '../lib/engine/engine.js';
import type { PolicyType, ScpRevision } from '../lib/types.js';
import { validate } from '../lib/validate/validate.js';
import { readArgs, UsageError } from './args.js';
import { runCheck } from './check.js';
import { runImport } from './import.js';
import { type Io, readJsoncInput, readRequest } from './io.js';
import { validationSarif } from '../lib/analysis/sarif.js';
import { runAnalysisCommand } from './analysis.js';
import { runPreview, runWhatCan, runWhoCan } from './access.js';
import { renderCatalog, renderEvaluate, renderFindings } from './render.js';
import { TEMPLATE_KINDS, type TemplateKind, template } from './templates.js';

export interface OptionSpec {
  kind: 'bool' | 'value';
  /** `--name VALUE` as shown in the help. */
  value?: string;
  help: string;
}

export interface CommandInput {
  positional: string[];
  options: Record<string, string | true>;
}

export interface Command {
  name: string;
  /** The arguments after the command's name, e.g. `FILE|- [options]`. */
  args: string;
  summary: string;
  /** More about what it does, its input and its exit codes. */
  details: string;
  options: Record<string, OptionSpec>;
  /** Command lines (without `ims-authz`) that run from the repository's root. */
  examples: string[];
  /** Arguments it takes at most (default 1). */
  maxArgs?: number;
  /**
   * It asks a running service (IMS_AUTHZ_URL and IMS_AUTHZ_TOKEN, or --url and --token): its examples run
   * against the local stack with the seeded data (test/cli-access.test.ts), not offline.
   */
  service?: true;
  /**
   * Either `run`, given the options read from the command's table entry (an exit code; a promise of one for a
   * command that calls a service, which the binary awaits), or `raw`, for a command that reads its own
   * arguments (a subcommand, several files).
   */
  run?: (input: CommandInput, io: Io) => number | Promise<number>;
  raw?: (args: string[], io: Io) => number;
}

const json = (io: Io, v: unknown): void => io.stdout(`${JSON.stringify(v, null, 2)}\n`);
const TEXT: OptionSpec = { kind: 'bool', help: 'readable output instead of JSON' };
const INPUT = 'FILE is a JSON file, or - for standard input; comments (// and /* */) and trailing commas are allowed, as in the templates.';

/** A policy document given where a request is expected (a newcomer's first mistake): a Statement, and no action. */
function isPolicyDocument(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'Statement' in input && !('action' in input) && !('actions' in input) && !('api' in input);
}

function decide(command: 'evaluate' | 'explain'): NonNullable<Command['run']> {
  return ({ positional, options }, io) => {
    const request = readRequest(positional[0], io);
    if (isPolicyDocument(request))
      throw new UsageError(
        'INVALID_REQUEST',
        `${positional[0] === '-' ? 'The input' : positional[0]} is a policy document, not a request: \`ims-authz validate FILE\` checks a policy; ${command} takes a request that carries its policies in "policies" (\`ims-authz template ${command}\` prints one; docs/requests.md).`,
      );
    const result = command === 'evaluate' ? evaluate(request) : explain(request);
    if ('error' in result) {
      json(io, result);
      return 2;
    }
    if (!options.text) json(io, result);
    else io.stdout(`${'text' in result ? result.text : renderEvaluate(result)}\n`);
    return 0;
  };
}

const ANALYSIS_OPTIONS: Record<string, OptionSpec> = {
  type: { kind: 'value', value: 'identity|scp', help: 'a file holding one document: its kind (default identity)' },
  assume: { kind: 'value', value: 'FILE', help: 'facts that narrow the requests searched: {principal, region, context}' },
  format: { kind: 'value', value: 'json|text|sarif', help: 'output (default json; summary: json or text)' },
};
const ANALYSIS_EXIT = 'Exit 0 PASS, 1 FAIL (with a witness request per finding), 2 unusable input, 3 UNKNOWN (never a PASS). docs/analysis.md.';

const LOCAL_COMMANDS: readonly Command[] = [
  {
    name: 'catalog',
    args: '[--text]',
    summary: 'print the compiled IMS action catalog',
    details: 'The actions, APIs, resource types and condition keys the decisions use, as JSON; --text lists each action with its access level, resource types (* = required) and condition keys.',
    options: { text: TEXT },
    examples: ['catalog --text'],
    run({ options }, io) {
      if (options.text) io.stdout(`${renderCatalog(catalog)}\n`);
      else json(io, catalog);
      return 0;
    },
  },
  {
    name: 'validate',
    args: 'FILE|- [options]',
    summary: 'validate a policy document',
    details: `Checks a 5.0 identity policy, a 1.1 policy or an SCP against the grammar and the catalog, with positions and fixes. ${INPUT} Exit 0 when valid (warnings allowed), 1 when it has error findings.`,
    options: {
      type: { kind: 'value', value: 'identity|scp', help: 'document kind (default identity)' },
      'scp-revision': { kind: 'value', value: '2024|2025-07|2025-12', help: 'SCP syntax revision to check (default 2025-12)' },
      format: { kind: 'value', value: 'json|text|sarif', help: 'output (default json; SARIF 2.1.0 for code-scanning tools)' },
      text: { kind: 'bool', help: 'the same as --format text' },
    },
    examples: ['validate examples/policies/needs-work.json --text', 'validate examples/scps/deny-unencrypted-copy.json --type scp'],
    run({ positional, options }, io) {
      const type = (options.type ?? 'identity') as string;
      if (type !== 'identity' && type !== 'scp') throw new UsageError('INVALID_OPTION', '--type must be identity or scp.');
      const revision = (options['scp-revision'] ?? '2025-12') as string;
      if (!['2024', '2025-07', '2025-12'].includes(revision)) throw new UsageError('INVALID_OPTION', '--scp-revision must be 2024, 2025-07 or 2025-12.');
      const format = (options.format ?? (options.text ? 'text' : 'json')) as string;
      if (!['json', 'text', 'sarif'].includes(format) || (options.text && format !== 'text')) throw new UsageError('INVALID_OPTION', '--format must be json, text or sarif (--text is --format text).');
      const result = validate(readJsoncInput(positional[0], io), { type: type as PolicyType, scp_revision: revision as ScpRevision });
      if (format === 'text') io.stdout(`${renderFindings(result)}\n`);
      else if (format === 'sarif') json(io, validationSarif(result, positional[0] === '-' ? 'stdin' : (positional[0] as string)));
      else json(io, result);
      return result.valid ? 0 : 1;
    },
  },
  {
    name: 'evaluate',
    args: 'FILE|- [--text]',
    summary: 'decide a request',
    details: `Decides whether the request's principal may perform its action(s) or API call on its resource(s), under its policies and SCPs (docs/requests.md). ${INPUT} Exit 0 whatever the decision; 2 for an unusable request.`,
    options: { text: { kind: 'bool', help: 'the decision and one line per action instead of JSON' } },
    examples: ['evaluate examples/requests/delete-image.json --text'],
    run: decide('evaluate'),
  },
  {
    name: 'explain',
    args: 'FILE|- [--text]',
    summary: 'decide a request and show why',
    details: `Decides as evaluate does and traces every layer, policy, statement and condition (docs/semantics.md). ${INPUT} Exit 0 whatever the decision; 2 for an unusable request.`,
    options: { text: { kind: 'bool', help: 'the readable explanation only' } },
    examples: ['explain examples/requests/delete-image.json --text'],
    run: decide('explain'),
  },
  {
    name: 'template',
    args: 'evaluate|explain|policy|scp [options]',
    summary: 'print a commented starting document',
    details:
      'Prints a request (evaluate, explain), an identity policy or an SCP for one action, with the resource URN in the form of the region and account and the condition keys the action carries as comments. The output is JSON with comments, which every command of this CLI reads as it is (the HTTP API takes plain JSON: drop the comments).',
    options: {
      action: { kind: 'value', value: 'ACTION', help: 'the IMS action (default ims:images:get)' },
      region: { kind: 'value', value: 'REGION', help: 'region of the resource URN (default cn-north-4)' },
      account: { kind: 'value', value: 'ACCOUNT', help: 'account of the principal and the resource URN (default acc-1)' },
    },
    examples: ['template policy --action ims:images:share', 'template evaluate --action ims:images:deleteImage --region ap-southeast-1'],
    run({ positional, options }, io) {
      const kind = positional[0];
      if (kind === undefined || !(TEMPLATE_KINDS as readonly string[]).includes(kind)) {
        throw new UsageError(kind === undefined ? 'MISSING_INPUT' : 'INVALID_OPTION', `Name the template: ${TEMPLATE_KINDS.join(', ')}.`);
      }
      io.stdout(template(kind as TemplateKind, { action: options.action as string | undefined, region: options.region as string | undefined, account: options.account as string | undefined }));
      return 0;
    },
  },
  {
    name: 'check',
    args: 'no-new-access --existing A --proposed B | access-not-granted SET --actions a,b [--resources urn,...] | terraform PLAN.json [options]',
    summary: 'prove a change grants no new access, that some access is never granted, or check a Terraform plan',
    details: `Exact access analysis over every request (docs/analysis.md): no-new-access passes when B allows nothing A denies; access-not-granted passes when none of that access is ever allowed. Each file is a policy document or a policy set {policies, scps, principal, region, context}; JSON with comments is read as elsewhere. ${ANALYSIS_EXIT} terraform reads \`terraform show -json\` output (a plan or a state) and validates the documents of the huaweicloud provider's huaweicloud_identityv5_policy (policy_document), huaweicloud_identity_role (policy, 1.1) and huaweicloud_organizations_policy (content, SCPs), with findings carrying the resource address (docs/terraform.md); exit 0 no error findings, 1 error findings, 2 usage or a file that is not a plan.`,
    options: {
      ...ANALYSIS_OPTIONS,
      existing: { kind: 'value', value: 'FILE', help: 'no-new-access: the policies in force' },
      proposed: { kind: 'value', value: 'FILE', help: 'no-new-access: the policies after the change' },
      actions: { kind: 'value', value: 'a,b', help: 'access-not-granted: the actions (patterns allowed)' },
      resources: { kind: 'value', value: 'urn,...', help: 'access-not-granted: the resources' },
      'no-new-access': { kind: 'bool', help: 'terraform: fail when a change grants new IMS access' },
    },
    examples: [
      'check no-new-access --existing examples/policies/images-read.json --proposed examples/policies/images-all.json --format text',
      'check terraform test/fixtures/terraform/plan.json --format text',
    ],
    raw: (args, io) => (args[0] === 'terraform' ? runCheck(readArgs(args, { format: 'value', 'no-new-access': 'bool' }, 2), io) : runAnalysisCommand('check', args, io)),
  },
  {
    name: 'diff',
    args: 'A B [options]',
    summary: 'the access gained and lost from A to B',
    details: `Both directions of no-new-access: new_access (B allows what A does not) and lost_access, each with a witness. ${ANALYSIS_EXIT}`,
    options: ANALYSIS_OPTIONS,
    examples: ['diff examples/policies/images-read.json examples/policies/images-all.json --format text'],
    raw: (args, io) => runAnalysisCommand('diff', args, io),
  },
  {
    name: 'summary',
    args: 'SET [options]',
    summary: 'every action: always, conditional (and when) or never',
    details: 'What a policy set allows, action by action. Exit 0 when every action is decided, 3 when some is not, 2 for unusable input.',
    options: ANALYSIS_OPTIONS,
    examples: ['summary examples/policies/images-read.json --format text'],
    raw: (args, io) => runAnalysisCommand('summary', args, io),
  },
  {
    name: 'import',
    args: 'huawei DIR|FILE... (--dry-run | --request | --url URL --token TOKEN)',
    summary: 'import Huawei IAM and Organizations API outputs',
    details:
      "Reads saved responses of Huawei's IAM and Organizations APIs (a directory is read recursively; docs/imports.md lists the APIs and the layout), recognises each by its shape and validates every document first. --dry-run prints per file its API, items and findings, the actions of other services it keeps and the IMS actions the catalog does not know; --url sends the files to the service's POST /v1/imports, which refuses the whole run if any document is invalid and otherwise writes idempotently; --request prints that request's body instead (the same input twice changes nothing; a changed document becomes a new version). A progress line on a terminal while reading. Exit 0 imported (or importable), 1 refused (findings per file), 2 usage, unreadable input or a service error.",
    options: {
      'dry-run': { kind: 'bool', help: 'check the files locally, send nothing' },
      request: { kind: 'bool', help: 'check the files, then print the body of POST /v1/imports (for curl or another client)' },
      url: { kind: 'value', value: 'URL', help: "the service's base URL (e.g. http://127.0.0.1:4000, the stack of npm start)" },
      token: { kind: 'value', value: 'TOKEN', help: 'a bearer token with policies:write (and org:write for an organization or SCPs)' },
    },
    examples: ['import huawei test/fixtures/huawei --dry-run'],
    maxArgs: IMPORT_LIMITS.files + 1,
    run: runImport,
  },
];

/** --url, --token and --text of a service command: the scope its route needs, what --text prints. */
function serviceOptions(scope: string, text: string): Record<string, OptionSpec> {
  return {
    url: { kind: 'value', value: 'URL', help: "the service's base URL (default: the environment's IMS_AUTHZ_URL)" },
    token: { kind: 'value', value: 'TOKEN', help: `a bearer token with ${scope} (default: IMS_AUTHZ_TOKEN)` },
    text: { kind: 'bool', help: `${text} instead of JSON` },
  };
}

/** Commands over a running service's stored data (docs/who-can.md, docs/previews.md). */
const SERVICE_COMMANDS: readonly Command[] = [
  {
    name: 'who-can',
    args: '--action ACTION [--resource URN] [options]',
    summary: 'who in the account can perform an action on a resource (always, conditional, never, and why)',
    details:
      "Every principal of the token's account (users through their groups, agencies, the account itself) with always, conditional (and when) or never for the action on the resource, the grants, policies and versions that decide it, and witness requests by reference (GET /v1/access/who-can). Exit 0 when answered, 2 for usage, an unreachable service or a refusal.",
    options: {
      action: { kind: 'value', value: 'ACTION', help: 'one IMS action' },
      resource: { kind: 'value', value: 'URN', help: 'one resource URN, no wildcard (none for an action without a resource type)' },
      region: { kind: 'value', value: 'REGION|any|none', help: "the requests' region (default: the resource's)" },
      context: { kind: 'value', value: 'JSON', help: 'context values assumed, e.g. {"ims:Encrypted":false}' },
      scope: { kind: 'value', value: 'account|organization', help: 'organization: every member account (the management account)' },
      ...serviceOptions('policies:read', 'one line per principal'),
    },
    examples: ['who-can --action ims:images:deleteImage --resource ims:cn-north-4:acc-1:image:abc --text'],
    service: true,
    run: runWhoCan,
  },
  {
    name: 'what-can',
    args: '--principal-type user|agency|account [--principal-id ID] [options]',
    summary: 'what a principal can do: every action always, conditional or never, by scope',
    details:
      "The summary of the principal's effective set for every request, and for each project and enterprise project its grants name (GET /v1/access/what-can); --text lists the actions allowed. Exit 0 when answered, 2 otherwise.",
    options: {
      'principal-type': { kind: 'value', value: 'user|agency|account', help: 'the kind of principal' },
      'principal-id': { kind: 'value', value: 'ID', help: 'the user or agency id' },
      ...serviceOptions('policies:read', 'the actions allowed, by scope,'),
    },
    examples: ['what-can --principal-type user --principal-id bob --text'],
    service: true,
    run: runWhatCan,
  },
  {
    name: 'preview',
    args: 'version POLICY_ID FILE [options]',
    summary: 'what making FILE the default version of a stored policy would change, per principal',
    details:
      'Previews the write POST /v1/policies/POLICY_ID/versions with FILE as the new default version (nothing is written): per principal, the access gained and lost, each with a witness by reference. Exit 0 when no principal gains access, 1 when some does, 3 when part is undecided (never a pass), 2 for usage or a refusal (an invalid document: 422 with its findings).',
    options: serviceOptions('policies:write, the scope of the write previewed, and org:write for an SCP', 'each changed principal with its actions gained and lost'),
    examples: ['preview version ims-full-access examples/policies/ims-operator.json --text'],
    maxArgs: 3,
    service: true,
    run: runPreview,
  },
];

export const COMMANDS: readonly Command[] = [...LOCAL_COMMANDS, ...SERVICE_COMMANDS];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
