/// <reference lib="dom" />
/**
 * The policy playground in a real browser: Debian's Chromium driven by playwright-core, the page served by the
 * local stack (serverless-offline running the `playground` bundle, DynamoDB Local for the by-reference call). One
 * browser for the file. Each step saves a screenshot under test-results/playground/ (git-ignored); the
 * `readme-*` ones are the pictures of the README and docs/playground.md (copied to docs/images/ by hand).
 *
 * Steps: the page's caching and compression; a misspelled action underlined on its line, with message, code
 * and the suggestion applied by a click; catalog completion; a request evaluated to deny with the deciding
 * statement highlighted in its tab; a shared link reproducing the page (and a damaged one refused); the keyboard
 * alone; axe-core with no serious or critical violation; the service called by reference with a pasted token.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ACCOUNT } from '../infra/local/seed.js';
import { mintToken } from '../infra/local/token.js';
import { launchChromium, type LaunchedBrowser, PLAYGROUND_SHOTS as shots, POLL, STEP_TIMEOUT, seriousAxeViolations } from './support/browser.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const root = join(import.meta.dirname, '..');

let stack: LocalStack;
let chromium: LaunchedBrowser;
let page: Page;
const pageErrors: string[] = [];

const shot = async (name: string): Promise<void> => {
  await page.screenshot({ path: join(shots, `${name}.png`) });
};

/** Replaces the active editor's text, as a paste would (no auto-closed brackets or quotes). */
async function setEditorText(text: string): Promise<void> {
  const content = page.locator('.policy-panel:not([hidden]) .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

async function editorText(): Promise<string> {
  return page.locator('.policy-panel:not([hidden]) .cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
}

async function openFresh(hash = ''): Promise<void> {
  await page.goto(`${stack.base}/${hash}`);
  await page.locator('[data-decision]').waitFor();
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  if (!process.env.CODE_ROOT) {
    try {
      readFileSync(join(root, 'dist', 'web', 'manifest.json'));
    } catch {
      throw new Error('dist/web is missing: run npm run build first (the browser tests open the built page).');
    }
  }
  [stack, chromium] = await Promise.all([startLocalStack(['playground', 'explain', 'access']), launchChromium()]);
  page = await chromium.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await stack?.stop();
});

describe('the playground page in Chromium', () => {
  it('is served compressed, the page revalidated and its hashed assets immutable', async () => {
    const res = await fetch(`${stack.base}/`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const script = /src="(playground\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${stack.base}/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    const again = await fetch(`${stack.base}/playground`, { headers: { 'if-none-match': res.headers.get('etag') as string } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${stack.base}/playground/assets/app-NOPE.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it(
    'underlines a misspelled action on its line, with message and code, and applies the suggestion on a click',
    async () => {
      await openFresh();
      // Line 7 holds the misspelled action.
      const policy = [
        '{',
        '  "Version": "5.0",',
        '  "Statement": [',
        '    {',
        '      "Sid": "Everyday",',
        '      "Effect": "Allow",',
        '      "Action": ["ims:images:list", "ims:images:dlete"],',
        '      "Resource": ["*"]',
        '    }',
        '  ]',
        '}',
      ].join('\n');
      await setEditorText(policy);
      const underline = page.locator('.policy-panel:not([hidden]) .cm-lintRange-error');
      await underline.first().waitFor();
      expect(await underline.count()).toBe(1);
      expect(await underline.textContent()).toBe('"ims:images:dlete"');
      const lineOf = await underline.evaluate((el) => {
        const line = el.closest('.cm-line');
        return line ? [...(line.parentElement as HTMLElement).querySelectorAll(':scope > .cm-line')].indexOf(line) + 1 : -1;
      });
      expect(lineOf).toBe(7);
      // The editor's own tooltip: the message, the code and the fix.
      await underline.hover();
      const tooltip = page.locator('.cm-tooltip-lint');
      await tooltip.waitFor();
      expect(await tooltip.textContent()).toContain('"ims:images:dlete" is not an IMS action.');
      expect(await tooltip.locator('.cm-diagnosticSource').textContent()).toContain('UNKNOWN_ACTION');
      expect(await tooltip.locator('.cm-diagnosticAction').first().textContent()).toBe('Replace with ims:images:deleteImage');
      // The findings list names the line and offers the same fix.
      const finding = page.locator('.policy-panel:not([hidden]) .finding[data-code="UNKNOWN_ACTION"]');
      expect(await finding.getAttribute('data-line')).toBe('7');
      expect(await page.locator('.policies .tab[aria-selected="true"]').textContent()).toContain('1 error');
      await shot('1-misspelled-action');
      const box = await page.locator('section.policies').boundingBox();
      if (box) await page.screenshot({ path: join(shots, 'readme-finding.png'), clip: { x: box.x, y: Math.max(box.y, 0), width: Math.min(box.width + 240, 1280 - box.x), height: box.height } });
      await finding.locator('button.fix', { hasText: 'Replace with ims:images:deleteImage' }).click();
      await expect.poll(() => editorText(), POLL).toContain('"Action": ["ims:images:list", "ims:images:deleteImage"]');
      await expect.poll(() => underline.count(), POLL).toBe(0);
      await expect.poll(() => page.locator('.policy-panel:not([hidden]) .findings-summary').textContent(), POLL).toBe('No findings.');
      await shot('2-suggestion-applied');
    },
    STEP_TIMEOUT,
  );

  it(
    'completes action names from the catalog with their access level and description',
    async () => {
      await openFresh();
      await setEditorText('{\n  "Version": "5.0",\n  "Statement": [{ "Effect": "Allow", "Action": ["ims:images:co');
      await page.keyboard.type('p');
      const option = page.locator('.cm-tooltip-autocomplete li').filter({ has: page.locator('.cm-completionLabel', { hasText: /^ims:images:copyInRegion$/ }) });
      await option.waitFor();
      expect(await option.locator('.cm-completionDetail').textContent()).toBe('write');
      // The selected option's description from the catalog.
      await expect.poll(() => page.locator('.cm-completionInfo').textContent(), POLL).toMatch(/^Grants permission to replicate images/);
      await shot('3-completion');
      await page.keyboard.press('Escape');
    },
    STEP_TIMEOUT,
  );

  it(
    'evaluates a request to deny and highlights the deciding statement in its tab',
    async () => {
      await openFresh();
      await setEditorText(
        JSON.stringify(
          {
            Version: '5.0',
            Statement: [
              { Sid: 'ManageImages', Effect: 'Allow', Action: ['ims:images:*'], Resource: ['*'] },
              { Sid: 'KeepImages', Effect: 'Deny', Action: ['ims:images:deleteImage'], Resource: ['*'] },
            ],
          },
          null,
          2,
        ),
      );
      // Another tab is active when the request is evaluated: the highlight brings the deciding one forward.
      await page.locator('.tab', { hasText: 'no-unencrypted-copies' }).click();
      await page.locator('select[name="action"]').selectOption('ims:images:deleteImage');
      await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
      const decision = page.locator('.decision');
      await expect.poll(() => decision.getAttribute('data-reason'), POLL).toBe('explicit_deny');
      expect(await decision.locator('.badge').textContent()).toBe('DENY');
      expect(await page.locator('.policies .tab[aria-selected="true"]').textContent()).toContain('image-admin');
      const highlighted = page.locator('.policy-panel:not([hidden]) .cm-deciding-deny');
      await expect.poll(() => highlighted.count(), POLL).toBeGreaterThan(0);
      const text = (await highlighted.allTextContents()).join('\n');
      expect(text).toContain('"Sid": "KeepImages"');
      expect(text).not.toContain('ManageImages');
      expect(await page.locator('.decided-by').textContent()).toContain('statement 1 "KeepImages" of image-admin');
      // The trace tree: the layer, the policy, the statement that applies.
      const stmt = page.locator('.trace li.stmt[data-statement="image-admin#1"]');
      expect(await stmt.locator('summary').first().textContent()).toContain('applies');
      await shot('4-deny-highlighted');
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot('readme-deny');
    },
    STEP_TIMEOUT,
  );

  it(
    'a shared link reproduces the page; a damaged one is refused with a message',
    async () => {
      // The page keeps its state in the fragment: the URL now carries the previous step's policy and request.
      await expect.poll(() => page.evaluate(() => location.hash.length), POLL).toBeGreaterThan(10);
      await page.waitForTimeout(400); // the fragment follows the last edit after 300 ms
      const url = await page.evaluate(() => location.href);
      const before = await editorText();
      const other = await chromium.context.newPage();
      try {
        await other.goto(url);
        await other.locator('[data-decision]').waitFor();
        expect(await other.locator('.decision').getAttribute('data-reason')).toBe('explicit_deny');
        expect(await other.locator('select[name="action"]').inputValue()).toBe('ims:images:deleteImage');
        const shared = await other.locator('.policy-panel:not([hidden]) .cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
        expect(shared).toBe(before);
        await expect.poll(() => other.locator('.policy-panel:not([hidden]) .cm-deciding-deny').count(), POLL).toBeGreaterThan(0);
        await other.screenshot({ path: join(shots, '5-shared-link.png') });
        await other.goto(`${stack.base}/#s=AAAA-broken`);
        await other.locator('[data-decision]').waitFor();
        expect(await other.locator('.status').textContent()).toMatch(/damaged/);
      } finally {
        await other.close();
      }
    },
    STEP_TIMEOUT,
  );

  it(
    'works from the keyboard: tabs by arrow keys, Tab leaves the editor, Enter evaluates',
    async () => {
      await openFresh();
      await page.locator('.tab').first().focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('no-unencrypted-copies');
      expect(await page.locator('.policies .tab[aria-selected="true"]').textContent()).toContain('no-unencrypted-copies');
      // Into the editor and out again with Tab (the editor does not trap it).
      await page.locator('.policy-panel:not([hidden]) .cm-content').focus();
      const before = await editorText();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.classList.contains('cm-content'))).toBe(false);
      expect(await editorText()).toBe(before);
      // The Evaluate button by keyboard.
      await page.getByRole('button', { name: 'Evaluate', exact: true }).focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('.decision').getAttribute('data-decision')).toBe('deny');
    },
    STEP_TIMEOUT,
  );

  it(
    'has no serious or critical accessibility violations (axe-core)',
    async () => {
      await openFresh();
      const run = (): Promise<string[]> => seriousAxeViolations(page);
      expect(await run()).toEqual([]);
      // With findings, the API form and every result view shown.
      await setEditorText('{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"],"Resource":["*"]}]}');
      await page.locator('.policy-panel:not([hidden]) .finding').first().waitFor();
      expect(await run()).toEqual([]);
      await page.getByLabel('An IMS API call').check();
      await page.locator('select[name="api"]').waitFor();
      expect(await run(), 'the API form, findings and the trace view').toEqual([]);
      await page.getByRole('tab', { name: 'Text', exact: true }).click();
      await page.getByRole('tab', { name: 'JSON', exact: true }).click();
      expect(await run(), 'the JSON view').toEqual([]);
      await shot('6-api-call');
    },
    STEP_TIMEOUT,
  );

  it(
    'evaluates against stored policies with a pasted token (by reference, through the service)',
    async () => {
      await openFresh();
      await page.locator('input[name="user-id"]').fill('alice');
      await page.locator('select[name="action"]').selectOption('ims:images:deleteImage');
      await page.getByLabel('Bearer token').fill(await mintToken(EXAMPLE_ACCOUNT));
      await page.getByRole('button', { name: 'Evaluate with stored policies' }).click();
      await expect.poll(() => page.locator('.decision .source').textContent(), POLL).toContain('the service (stored policies)');
      expect(await page.locator('.decision').getAttribute('data-reason')).toBe('explicit_deny');
      // The token is not in the share link.
      expect(await page.evaluate(() => location.href)).not.toContain('eyJ');
      await shot('7-stored-policies');
      // Who in the stored account can do it: alice never (the project-scoped Deny), the account itself always.
      await page.getByRole('button', { name: 'Who can do this?' }).click();
      const row = (who: string) => page.locator(`.who-can-table tr[data-principal="${who}"]`);
      await row('user:alice').waitFor();
      expect(await row('user:alice').getAttribute('data-access')).toBe('never');
      expect(await row('user:alice').textContent()).toContain('Deny deny-delete v1 (group image-admins, project cn-north-4)');
      expect(await row('user:bob').getAttribute('data-access')).toBe('never');
      expect(await row(`account:${EXAMPLE_ACCOUNT}`).getAttribute('data-access')).toBe('always');
      await row(`account:${EXAMPLE_ACCOUNT}`).scrollIntoViewIfNeeded();
      await shot('8-who-can');
      // A conditional answer's condition wraps in its cell: the table fits its panel. (Unwrapped, it pushed the
      // table wider than the panel and squeezed the Principal and Why columns to a letter or two a line.)
      await page.locator('select[name="action"]').selectOption('ims:images:copyInRegion');
      await page.getByRole('button', { name: 'Who can do this?' }).click();
      await expect.poll(() => row('user:alice').getAttribute('data-access'), POLL).toBe('conditional');
      const widths = await page.locator('.who-can-table').evaluate((t) => ({
        table: t.getBoundingClientRect().width,
        panel: (t.parentElement as HTMLElement).getBoundingClientRect().width,
        narrowest: Math.min(...[...t.querySelectorAll('tr[data-principal] > *')].map((c) => c.getBoundingClientRect().width)),
      }));
      expect(widths.table).toBeLessThanOrEqual(widths.panel + 1);
      expect(widths.narrowest).toBeGreaterThan(80);
    },
    STEP_TIMEOUT,
  );

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
