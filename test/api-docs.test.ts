/**
 * docs/http-api.md is generated and executed: its reference and its curl tour are what scripts/api-docs.ts
 * prints from the route table, the schemas and scripts/api-tour.ts (so the page cannot drift), the tour calls
 * every documented route, and each step of the tour answers the status the page shows when it runs against
 * the real functions and a real table (the curl line's method, path, headers and body, with the ids captured
 * by earlier steps substituted as the shell would).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlLine, documentedRoutes, PAGE, renderPage } from '../scripts/api-docs.js';
import { TOUR, TOUR_TOKENS, type TourToken } from '../scripts/api-tour.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { send, startLocalApi } from './support/api.js';

describe('docs/http-api.md', () => {
  it('is what scripts/api-docs.ts generates (run `npx tsx scripts/api-docs.ts` after changing routes, schemas or the tour)', () => {
    const page = readFileSync(PAGE, 'utf8');
    expect(renderPage(page)).toBe(page);
  });

  it('the tour calls every documented route, and only those', () => {
    const documented = documentedRoutes().map((r) => r.key);
    const toured = new Set(TOUR.map((s) => s.route));
    expect(documented.filter((k) => !toured.has(k))).toEqual([]);
    expect([...toured].filter((k) => !documented.includes(k))).toEqual([]);
  });

  it('each curl line sends the method, path, token and body of its step', () => {
    for (const step of TOUR) {
      const line = curlLine(step);
      expect(line).toContain(`"$API${step.path}"`);
      if (!step.route.startsWith('GET ')) expect(line).toContain(`-X ${step.route.split(' ')[0]}`);
      if (step.token) expect(line).toContain(`Bearer $${step.token}`);
      if (step.capture) expect(line).toMatch(new RegExp(`^${step.capture.name}=\\$\\(curl .* \\| jq -r ${step.capture.field.replace(/[.[\]]/g, '\\$&')}\\)$`));
    }
  });
});

describe('the curl tour, run against the functions and a real table', () => {
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ stop } = await startLocalApi('api-docs'));
  }, 60_000);
  afterAll(async () => stop?.());

  it('every step answers the status the page shows', async () => {
    const tokens = Object.fromEntries(
      await Promise.all((Object.entries(TOUR_TOKENS) as Array<[TourToken, string]>).map(async ([v, account]) => [v, await mintToken(account, undefined, { secret: LOCAL_JWT_SECRET })] as const)),
    );
    const vars: Record<string, string> = {};
    const fill = (s: string): string =>
      s.replace(/\$([A-Z_]+)/g, (_m, name: string) => {
        const v = vars[name];
        if (v === undefined) throw new Error(`$${name} is used before a step captures it`);
        return v;
      });
    for (const step of TOUR) {
      const method = step.route.split(' ')[0] as string;
      const body = step.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(step.body)));
      const headers = Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k.toLowerCase(), fill(v)]));
      const reply = await send(step.token ? tokens[step.token] : undefined, method, fill(step.path), body, headers);
      expect(reply.route, step.title).toBe(step.route);
      expect(reply.status, `${step.title}: ${reply.text.slice(0, 300)}`).toBe(step.status);
      if (step.capture) {
        let value: unknown = reply.json;
        for (const part of step.capture.field.match(/[A-Za-z_]+|\d+/g) ?? []) value = (value as Record<string, unknown> | undefined)?.[part];
        expect(typeof value, `${step.title}: ${step.capture.field} in ${reply.text.slice(0, 300)}`).toBe('string');
        vars[step.capture.name] = value as string;
      }
    }
  }, 60_000);
});
