/**
 * `ims-authz template evaluate|explain|policy|scp`: a commented starting document for one action, in the
 * right form for the region and account (docs/cli.md, "Templates"). The documents are JSON with comments:
 * the CLI reads them as they are printed (lib/json/jsonc.ts); the comments list the condition keys the action
 * carries, so a user sees what can narrow it. Every template is valid as printed, and stays valid when its
 * commented-out condition lines are uncommented (test/cli-help.test.ts checks both for every action).
 */
import { actionAt, catalog, lookupAction, type CatalogAction, type CatalogConditionKey, conditionKeyInfo } from '../lib/catalog/catalog.js';
import { UsageError } from './args.js';

export const TEMPLATE_KINDS = ['evaluate', 'explain', 'policy', 'scp'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export interface TemplateOptions {
  action?: string | undefined;
  region?: string | undefined;
  account?: string | undefined;
}

const DEFAULT_ACTION = 'ims:images:get';
/** An image id in the form IMS issues (a lowercase UUID). */
const EXAMPLE_IMAGE_ID = '3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15';

function resolveAction(name: string): CatalogAction {
  const hits = lookupAction(name);
  const action = hits.length > 0 ? actionAt(hits[0] as number) : undefined;
  if (!action || action.kind !== 'action') {
    throw new UsageError('INVALID_OPTION', `--action must name an IMS action of the catalog (e.g. ${DEFAULT_ACTION}); "${name}" is not one. \`ims-authz catalog --text\` lists them.`);
  }
  return action;
}

/** The resource URN for the action in the region and account, or null when the action has no resource type. */
function resourceUrn(action: CatalogAction, region: string, account: string, id: string): string | null {
  const type = action.resource_types[0];
  if (!type) return null;
  const template = catalog.resource_types.find((t) => t.name === type.type)?.urn_template ?? `ims:<region>:<account-id>:${type.type}:<${type.type}-id>`;
  return template
    .replace('<region>', region)
    .replace('<account-id>', account)
    .replace(/<[a-z-]+-id>$/, id);
}

/** An example value of a condition key, of its type (a list when the key is multi-valued). */
function exampleValue(info: CatalogConditionKey): string | string[] | boolean | number {
  const one = info.type === 'boolean' ? 'true' : info.type === 'numeric' ? '1' : info.type === 'date' ? '2026-01-01T00:00:00Z' : info.type === 'ip_address' ? '192.0.2.10' : 'example';
  return info.multi_valued ? [one] : one;
}

const OPERATOR: Record<CatalogConditionKey['type'], string> = { string: 'StringEquals', boolean: 'Bool', numeric: 'NumberEquals', date: 'DateGreaterThan', ip_address: 'IpAddress' };

interface KeyExample {
  key: string;
  info: CatalogConditionKey;
}

/** The condition keys the action's catalog row lists, with tag keys given an example tag (`env`). */
function carriedKeys(action: CatalogAction): KeyExample[] {
  const out: KeyExample[] = [];
  for (const written of action.condition_keys) {
    const key = written.replace(/<tag-key>$/, 'env');
    const info = conditionKeyInfo(key);
    if (info) out.push({ key, info });
  }
  return out;
}

function conditionComment(action: CatalogAction, indent: string): string[] {
  const keys = carriedKeys(action);
  if (keys.length === 0) return [`${indent}// ${action.name} carries no condition key of its own (global keys such as g:SourceIp still apply).`];
  const first = keys[0] as KeyExample;
  const operator = (first.info.multi_valued ? 'ForAnyValue:' : '') + OPERATOR[first.info.type];
  return [
    `${indent}// Condition keys ${action.name} carries: ${keys.map((k) => k.key).join(', ')}. For example:`,
    `${indent}// "Condition": { ${JSON.stringify(operator)}: { ${JSON.stringify(first.key)}: ${JSON.stringify([exampleValue(first.info)].flat())} } },`,
  ];
}

function statementLines(action: CatalogAction, effect: 'Allow' | 'Deny', resource: string, indent: string): string[] {
  const i2 = `${indent}  `;
  return [
    `${indent}{`,
    `${i2}"Sid": ${JSON.stringify(
      `${effect}${
        action.name
          .split(':')
          .pop()
          ?.replace(/^./, (c) => c.toUpperCase()) ?? ''
      }`,
    )},`,
    `${i2}"Effect": "${effect}",`,
    `${i2}"Action": [${JSON.stringify(action.name)}],`,
    ...(effect === 'Deny'
      ? [`${i2}// Every resource ("*"); an SCP narrows with conditions rather than resources.`]
      : resource === '*'
        ? [`${i2}// ${action.name} has no resource type: its statements use "*".`]
        : [`${i2}// One image, or every image of the account in the region with ".../image:*" ("*": every resource).`]),
    `${i2}"Resource": [${JSON.stringify(resource)}],`,
    ...conditionComment(action, i2),
    `${indent}}`,
  ];
}

function policyLines(action: CatalogAction, kind: 'policy' | 'scp', region: string, account: string, indent: string): string[] {
  const resource = resourceUrn(action, region, account, '*') ?? '*';
  return [
    `${indent}{`,
    `${indent}  "Version": "5.0",`,
    `${indent}  "Statement": [`,
    ...statementLines(action, kind === 'scp' ? 'Deny' : 'Allow', kind === 'scp' ? '*' : resource, `${indent}    `),
    `${indent}  ]`,
    `${indent}}`,
  ];
}

function requestLines(action: CatalogAction, kind: 'evaluate' | 'explain', region: string, account: string): string[] {
  const resource = resourceUrn(action, region, account, EXAMPLE_IMAGE_ID);
  const keys = carriedKeys(action);
  const context =
    keys.length === 0
      ? [`  // ${action.name} carries no condition key of its own; global keys (g:SourceIp, g:MFAPresent, ...) may be given here.`, '  "context": {},']
      : [
          '  "context": {',
          `    // The keys ${action.name} carries; uncomment to give a value (a key left out is absent; list it in`,
          '    // "unknown_context_keys" when it exists but its value is not known: docs/semantics.md):',
          ...keys.flatMap((k) => [
            `    // ${k.key} (${k.info.type}${k.info.multi_valued ? ', multi-valued' : ''}): ${k.info.description}`,
            `    // ${JSON.stringify(k.key)}: ${JSON.stringify(exampleValue(k.info))},`,
          ]),
          '  },',
        ];
  const policy = policyLines(action, 'policy', region, account, '      ');
  return [
    `// A request for \`ims-authz ${kind}\` (docs/requests.md): may this principal perform ${action.name}?`,
    `// Run it with: ims-authz ${kind} FILE${kind === 'explain' ? ' --text' : ''}`,
    '{',
    '  // Who asks: a user of the account (type "user" by default; also "agency" and "account").',
    `  "principal": { "account_id": ${JSON.stringify(account)}, "user_id": "u-1", "user_name": "alice" },`,
    `  "action": ${JSON.stringify(action.name)},`,
    ...(resource ? [`  "resource": ${JSON.stringify(resource)},`] : [`  // ${action.name} has no resource type: the request names no resource.`]),
    `  "region": ${JSON.stringify(region)},`,
    ...context,
    '  // The identity policies attached to the principal (5.0 or 1.1); "scps" adds the SCP chain.',
    '  "policies": [',
    '    {',
    '      "id": "my-policy",',
    '      "document": {',
    ...policy.slice(1),
    '    }',
    '  ]',
    '}',
  ];
}

/** The template's text, ending in a newline. */
export function template(kind: TemplateKind, options: TemplateOptions): string {
  const action = resolveAction(options.action ?? DEFAULT_ACTION);
  const region = options.region ?? 'cn-north-4';
  const account = options.account ?? 'acc-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw new UsageError('INVALID_OPTION', `--region must be a region id such as cn-north-4, not "${region}".`);
  if (!/^[A-Za-z0-9-]{1,64}$/.test(account)) throw new UsageError('INVALID_OPTION', `--account must be an account id (letters, digits, -), not "${account}".`);
  let lines: string[];
  if (kind === 'policy' || kind === 'scp') {
    lines = [
      kind === 'policy'
        ? `// An identity policy (5.0) allowing ${action.name}. Check it with: ims-authz validate FILE --text`
        : `// A service control policy denying ${action.name}. Check it with: ims-authz validate FILE --type scp --text`,
      ...policyLines(action, kind, region, account, ''),
    ];
  } else lines = requestLines(action, kind, region, account);
  return `${lines.join('\n')}\n`;
}
