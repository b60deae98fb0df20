/**
 * `ims-authz who-can`, `what-can` and `preview`: the access analysis over a running service's stored data
 * (docs/who-can.md, docs/previews.md). Each is one HTTP call to the service (`--url`, `--token`, or the
 * environment's IMS_AUTHZ_URL and IMS_AUTHZ_TOKEN); the answer is printed as JSON, or as one line per
 * principal with `--text`.
 *
 * Exit codes: who-can and what-can 0 when answered; preview 0 when no principal gains access, 1 when some
 * does (each with its witness), 3 when part could not be decided (never read as no change); 2 for usage, an
 * unreachable service or a refusal (its structured error printed).
 */
import { UsageError } from './args.js';
import { type Io, readJsoncInput } from './io.js';

/** A command's arguments as the command table reads them (cli/commands.ts `CommandInput`). */
interface CommandInput {
  positional: string[];
  options: Record<string, string | true>;
}

/** The service and token from the options or the environment. */
function target(options: CommandInput['options']): { url: string; token: string } {
  const url = (options.url as string | undefined) ?? process.env.IMS_AUTHZ_URL;
  const token = (options.token as string | undefined) ?? process.env.IMS_AUTHZ_TOKEN;
  if (!url || !token) throw new UsageError('MISSING_OPTION_VALUE', 'Give --url and --token (or set IMS_AUTHZ_URL and IMS_AUTHZ_TOKEN): these commands ask a running service about its stored data.');
  return { url: url.replace(/\/+$/, ''), token };
}

async function call(options: CommandInput['options'], method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const { url, token } = target(options);
  let res: Response;
  try {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
    if (body !== undefined) init.body = JSON.stringify(body);
    res = await fetch(`${url}${path}`, init);
  } catch (err) {
    throw new UsageError('UNREACHABLE', `Cannot reach ${url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const print = (io: Io, r: { json: unknown; text: string }): void => io.stdout(`${r.json === undefined ? r.text : JSON.stringify(r.json, null, 2)}\n`);

interface Entry {
  principal: { type: string; id: string };
  access: string;
  condition?: string;
  decided_by: Array<{ effect: string; policy_id: string; version: string | null; layer: string; level: string | null }>;
  no_allow_in?: Array<{ layer: string; level: string | null }>;
}

function whoCanText(answer: { account_id: string; action: string; resource: string; principals: Entry[] }): string[] {
  const lines = [`${answer.action} on ${answer.resource} (account ${answer.account_id}):`];
  for (const e of answer.principals) {
    const why = [
      ...e.decided_by.map((d) => `${d.effect} ${d.layer === 'scp' ? `SCP ${d.policy_id} at ${d.level}` : d.policy_id}${d.version ? ` ${d.version}` : ''}`),
      ...(e.no_allow_in ?? []).map((l) => (l.layer === 'scp' ? `no Allow at SCP level ${l.level}` : 'no identity Allow')),
    ];
    // No trailing blanks when nothing decides (the account itself: always, nothing to name).
    lines.push(`  ${e.access.padEnd(12)} ${`${e.principal.type} ${e.principal.id}`.padEnd(28)} ${why.join('; ')}${e.condition ? `  when ${e.condition}` : ''}`.trimEnd());
  }
  return lines;
}

export async function runWhoCan({ options }: CommandInput, io: Io): Promise<number> {
  if (typeof options.action !== 'string') throw new UsageError('MISSING_OPTION_VALUE', 'Give --action (one IMS action).');
  const q = new URLSearchParams({ action: options.action });
  for (const name of ['resource', 'region', 'context', 'scope'] as const) if (typeof options[name] === 'string') q.set(name, options[name] as string);
  const r = await call(options, 'GET', `/v1/access/who-can?${q.toString()}`);
  if (r.status !== 200 || !options.text) {
    print(io, r);
    return r.status === 200 ? 0 : 2;
  }
  const answer = r.json as { scope?: string; accounts?: Parameters<typeof whoCanText>[0][] } & Parameters<typeof whoCanText>[0];
  const lines = answer.scope === 'organization' ? (answer.accounts ?? []).flatMap(whoCanText) : whoCanText(answer);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

export async function runWhatCan({ options }: CommandInput, io: Io): Promise<number> {
  const type = options['principal-type'];
  if (typeof type !== 'string') throw new UsageError('MISSING_OPTION_VALUE', 'Give --principal-type (user, agency or account) and, for a user or an agency, --principal-id.');
  const q = new URLSearchParams({ principal_type: type });
  if (typeof options['principal-id'] === 'string') q.set('principal_id', options['principal-id']);
  const r = await call(options, 'GET', `/v1/access/what-can?${q.toString()}`);
  if (r.status !== 200 || !options.text) {
    print(io, r);
    return r.status === 200 ? 0 : 2;
  }
  const answer = r.json as {
    principal: { type: string; id: string };
    sections: Array<{
      scope: string;
      project?: string;
      enterprise_project_id?: string;
      summary: { groups: Array<{ access_level: string; actions: Array<{ action: string; access: string; text?: string }> }> };
    }>;
  };
  const lines = [`${answer.principal.type} ${answer.principal.id}:`];
  for (const s of answer.sections) {
    lines.push('', s.scope === 'all' ? 'every request' : s.scope === 'project' ? `in project ${s.project}` : `in enterprise project ${s.enterprise_project_id}`);
    for (const g of s.summary.groups) {
      const allowed = g.actions.filter((a) => a.access !== 'never');
      if (allowed.length === 0) continue;
      lines.push(`  ${g.access_level.replace('_', ' ')}`);
      for (const a of allowed) lines.push(`    ${a.access.padEnd(12)} ${a.action}${a.text ? `  (${a.text})` : ''}`);
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

/** `preview version POLICY_ID FILE`: the stored policy's new default version would be FILE. */
export async function runPreview({ positional, options }: CommandInput, io: Io): Promise<number> {
  const [what, policyId, file] = positional;
  if (what !== 'version' || !policyId || !file) throw new UsageError('MISSING_INPUT', 'Usage: ims-authz preview version POLICY_ID FILE --url URL --token TOKEN');
  const document = readJsoncInput(file, io);
  const r = await call(options, 'POST', `/v1/policies/${encodeURIComponent(policyId)}/versions?preview=true`, { document, set_as_default: true });
  if (r.status !== 200 || !options.text) print(io, r);
  if (r.status !== 200) return 2;
  const answer = r.json as {
    result: string;
    counts: { gained: number; lost: number; principals_changed: number };
    principals: Array<{ account_id: string; principal: { type: string; id: string }; gained: Array<{ action: string; condition: { text: string } }>; lost: Array<{ action: string }> }>;
  };
  if (options.text) {
    const lines = [`${answer.result}: ${answer.counts.principals_changed} principal(s) change, ${answer.counts.gained} region(s) gained, ${answer.counts.lost} lost.`];
    for (const d of answer.principals) {
      lines.push(`  ${d.account_id} ${d.principal.type} ${d.principal.id}`);
      for (const f of d.gained) lines.push(`    + ${f.action} when ${f.condition.text}`);
      for (const f of d.lost) lines.push(`    - ${f.action}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (answer.result === 'UNKNOWN') return 3;
  return answer.counts.gained > 0 ? 1 : 0;
}
