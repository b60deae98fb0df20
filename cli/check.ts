/**
 * `ims-authz check terraform PLAN.json`: the policy documents of a Terraform plan (`terraform show -json`),
 * validated with findings carrying the resource address (lib/terraform/plan.ts). docs/terraform.md.
 * Exit 0 no error findings, 1 error findings (or, with --no-new-access, new IMS access), 2 usage or unreadable plan.
 */
import pkg from '../package.json' with { type: 'json' };
import { NO_NEW_ACCESS } from '../lib/terraform/no-new-access.js';
import { checkTerraformPlan, renderTerraformText, toSarif } from '../lib/terraform/plan.js';
import { UsageError } from './args.js';
import { type Io, readRequest } from './io.js';

export const CHECK_FORMATS = ['json', 'text', 'sarif'] as const;

export function runCheck({ positional, options }: { positional: string[]; options: Record<string, string | true> }, io: Io): number {
  const [kind, file] = positional;
  if (kind !== 'terraform') throw new UsageError(kind === undefined ? 'MISSING_INPUT' : 'INVALID_OPTION', 'Name what to check: `ims-authz check terraform PLAN.json`.');
  const format = (options.format ?? 'json') as string;
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) throw new UsageError('INVALID_OPTION', `--format must be ${CHECK_FORMATS.join(', ')}.`);
  const result = checkTerraformPlan(readRequest(file, io));
  if (!result) throw new UsageError('INVALID_INPUT', `${file} is not the output of \`terraform show -json\` (no resource_changes or values).`);
  const witnesses = options['no-new-access'] && NO_NEW_ACCESS ? NO_NEW_ACCESS(result.changes) : [];
  if (format === 'text') io.stdout(`${renderTerraformText(result)}\n`);
  else if (format === 'sarif') io.stdout(`${JSON.stringify(toSarif(result, file as string, pkg.version), null, 2)}\n`);
  else io.stdout(`${JSON.stringify(options['no-new-access'] ? { ...result, new_access: witnesses } : result, null, 2)}\n`);
  return result.valid && witnesses.length === 0 ? 0 : 1;
}
