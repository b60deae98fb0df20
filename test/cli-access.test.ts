/**
 * `ims-authz who-can`, `what-can` and `preview` against the functions over a real local table with the
 * seeded example data, behind a loopback HTTP server (as serverless-offline would be): every example of
 * the commands' help runs (with IMS_AUTHZ_URL and IMS_AUTHZ_TOKEN set), the texts say what the HTTP answers
 * say, and the exit codes follow the rules (preview: 0 nothing gained, 1 gained, 2 refused).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commands.js';
import { nodeIo, runCliAsync } from '../cli/main.js';
import { seedExamples } from '../infra/local/seed.js';
import { client, send, startLocalApi } from './support/api.js';

let stop: () => Promise<void>;
let server: Server;
let url = '';
let token = '';

beforeAll(async () => {
  const api = await startLocalApi('cli-access');
  await seedExamples({ endpoint: api.db.endpoint, tableName: api.db.tableName });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void send(String(req.headers.authorization).replace(/^Bearer /, ''), req.method ?? 'GET', req.url ?? '/', body === '' ? undefined : body).then((r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = (await client('acc-1')).token;
  stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await api.stop();
  };
}, 60_000);
afterAll(async () => stop?.());

async function cli(args: string[], env: 'env' | 'options' = 'env'): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io = { ...nodeIo, stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) };
  const saved = { url: process.env.IMS_AUTHZ_URL, token: process.env.IMS_AUTHZ_TOKEN };
  if (env === 'env') Object.assign(process.env, { IMS_AUTHZ_URL: url, IMS_AUTHZ_TOKEN: token });
  try {
    const code = await runCliAsync(env === 'env' ? args : [...args, '--url', url, '--token', token], io);
    return { code, out: out.join('') };
  } finally {
    for (const [k, v] of [
      ['IMS_AUTHZ_URL', saved.url],
      ['IMS_AUTHZ_TOKEN', saved.token],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('commands over the stored data', () => {
  const service = COMMANDS.filter((c) => c.service);

  it('who-can, what-can and preview are service commands, each shown in docs/who-can.md or docs/previews.md', () => {
    expect(service.map((c) => c.name)).toEqual(['who-can', 'what-can', 'preview']);
    const docs = ['docs/who-can.md', 'docs/previews.md', 'docs/cli.md'].map((p) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8')).join('\n');
    for (const c of service) for (const e of c.examples) expect(docs).toContain(`ims-authz ${e}`);
  });

  it.each(service.flatMap((c) => c.examples.map((e) => [e] as const)))('the example `ims-authz %s` runs (exit 0 or 1)', async (example) => {
    const r = await cli(example.split(' '));
    expect([0, 1], r.out).toContain(r.code);
    expect(r.out).not.toMatch(/^\{\s*"error"/);
  });

  it('who-can --text: one line per principal with what decides it', async () => {
    const r = await cli(['who-can', '--action', 'ims:images:deleteImage', '--resource', 'ims:cn-north-4:acc-1:image:abc', '--text'], 'options');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/never\s+user alice\s+Deny deny-delete v1/);
    expect(r.out).toMatch(/never\s+user bob\s+no identity Allow/);
    expect(r.out).toMatch(/always\s+account acc-1/);
    expect(
      r.out.split('\n').filter((l) => / $/.test(l)),
      'lines ending in blanks',
    ).toEqual([]);
  });

  it('what-can --text lists bob reads by project; JSON is the HTTP answer', async () => {
    const text = await cli(['what-can', '--principal-type', 'user', '--principal-id', 'bob', '--text']);
    expect(text.out).toContain('in project cn-north-4');
    expect(text.out).toMatch(/always\s+ims:images:list/);
    const json = await cli(['what-can', '--principal-type', 'user', '--principal-id', 'bob']);
    expect(JSON.parse(json.out).groups).toEqual(['viewers']);
  });

  it('preview: 0 when nothing is gained, 1 when something is, 2 when refused; nothing is written', async () => {
    const narrower = await cli(['preview', 'version', 'ims-full-access', 'examples/policies/ims-operator.json', '--text']);
    expect(narrower.code, narrower.out).toBe(0);
    expect(narrower.out).toMatch(/^CHANGES: 1 principal\(s\) change, 0 region\(s\) gained/);
    const wider = await cli(['preview', 'version', 'deny-delete', 'examples/policies/ims-operator.json']);
    expect(wider.code, wider.out).toBe(1);
    expect(JSON.parse(wider.out).principals[0].principal.id).toBe('alice');
    const invalid = await cli(['preview', 'version', 'deny-delete', 'examples/policies/needs-work.json']);
    expect(invalid.code).toBe(2);
    expect((await send(token, 'GET', '/v1/policies/deny-delete')).json.versions).toHaveLength(1);
  });

  it('usage: no service, an unreachable one', async () => {
    const none = await runCliAsync(['who-can', '--action', 'ims:images:list'], { ...nodeIo, stdout: () => undefined, stderr: () => undefined });
    expect(none).toBe(2);
    expect(await runCliAsync(['what-can', '--principal-type', 'account', '--url', 'http://127.0.0.1:9', '--token', 't'], { ...nodeIo, stdout: () => undefined, stderr: () => undefined })).toBe(2);
  });
});
