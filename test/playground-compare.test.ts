/// <reference lib="dom" />
/**
 * The playground's compare and summary views in a real browser (Debian's Chromium driven by playwright-core,
 * the page served by the local stack, as test/playground.test.ts). The access analysis runs in a worker the
 * page loads when one of these views is first shown. Screenshots go to test-results/playground/ (git-ignored);
 * `readme-compare` is the picture of the README and docs/playground.md (copied to docs/images/ by hand).
 *
 * Steps: the analysis worker is not loaded until a view needs it; take the policies as the baseline, widen
 * `ims:images:get*` to `ims:images:*`, see FAIL with the new actions, load a witness into the request builder
 * and see it allowed; the lost access of the reverse edit; the summary's always and never actions; a shared
 * link with a baseline reproduces the comparison; the keyboard alone; axe-core on both views.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedBrowser, PLAYGROUND_SHOTS as shots, POLL, STEP_TIMEOUT, seriousAxeViolations } from './support/browser.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const root = join(import.meta.dirname, '..');

let stack: LocalStack;
let chromium: LaunchedBrowser;
let page: Page;
const pageErrors: string[] = [];
const workers: string[] = [];

const policy = (actions: string[]): string =>
  JSON.stringify(
    {
      Version: '5.0',
      Statement: [
        { Sid: 'ReadImages', Effect: 'Allow', Action: actions, Resource: ['ims:*:acc-1:image:*'] },
        { Sid: 'ListEverywhere', Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] },
      ],
    },
    null,
    2,
  );
const NARROW = policy(['ims:images:get*']);
const WIDE = policy(['ims:images:*']);

async function setEditorText(text: string): Promise<void> {
  const content = page.locator('.policy-panel:not([hidden]) .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

async function openFresh(hash = ''): Promise<void> {
  await page.goto(`${stack.base}/${hash}`);
  await page.locator('[data-decision]').waitFor();
}

const verdict = (p: Page = page) => p.locator('.view-panel .analysis-head[data-result]');
const newRegions = (p: Page = page) => p.locator('.view-panel li.region[data-kind="new_access"]');
const lostRegions = (p: Page = page) => p.locator('.view-panel li.region[data-kind="lost_access"]');
const actionsOf = async (regions: ReturnType<typeof newRegions>): Promise<string[]> => (await regions.evaluateAll((els) => els.map((e) => e.getAttribute('data-action') ?? ''))).sort();

const axeViolations = (): Promise<string[]> => seriousAxeViolations(page);

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  try {
    readFileSync(join(root, 'dist', 'web', 'manifest.json'));
  } catch {
    throw new Error('dist/web is missing: run npm run build first (the browser tests open the built page).');
  }
  [stack, chromium] = await Promise.all([startLocalStack(['playground']), launchChromium()]);
  page = await chromium.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('worker', (w) => workers.push(w.url()));
  page.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await stack?.stop();
});

describe('the playground compare and summary views in Chromium', () => {
  it(
    'loads the analysis only when a view needs it',
    async () => {
      workers.length = 0;
      await openFresh();
      await page.waitForTimeout(300);
      expect(workers).toEqual([]);
      await page.getByRole('tab', { name: 'Summary', exact: true }).click();
      await page.locator('.view-panel table.summary-table').first().waitFor();
      expect(workers).toHaveLength(1);
      expect(workers[0]).toMatch(/\/playground\/assets\/analysis-[A-Z0-9]+\.js$/);
    },
    STEP_TIMEOUT,
  );

  it(
    'takes the policies as the baseline; widening get* to * is new access (FAIL), and a witness loads and is allowed',
    async () => {
      await openFresh();
      await setEditorText(NARROW);
      await page.getByRole('tab', { name: 'Compare', exact: true }).click();
      await page.getByRole('button', { name: 'Take the current policies as the baseline' }).click();
      await expect.poll(() => verdict().getAttribute('data-result'), POLL).toBe('PASS');
      expect(await page.locator('.baseline-line').textContent()).toContain('The current policies are the same');
      await setEditorText(WIDE);
      await expect.poll(() => verdict().getAttribute('data-result'), POLL).toBe('FAIL');
      const gained = await actionsOf(newRegions());
      expect(gained).toContain('ims:images:deleteImage');
      expect(gained).toContain('ims:images:updateImage');
      // What get* already allowed is not new.
      expect(gained.filter((a) => /^ims:images:get/.test(a))).toEqual([]);
      expect(await lostRegions().count()).toBe(0);
      expect(await page.locator('.view-panel h3', { hasText: 'Lost access' }).textContent()).toBe('Lost access (0)');
      const region = newRegions().filter({ has: page.locator('.region-title code', { hasText: /^ims:images:deleteImage$/ }) });
      expect(await region.locator('.refused-by').textContent()).toContain('no identity Allow');
      expect(await region.locator('.granted-by').textContent()).toContain('"ReadImages"');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, '8-compare-fail.png') });
      // The README's picture: the compare view (its tab, the baseline, the verdict, the first regions).
      await page.locator('#view-compare').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      const tabs = await page.locator('.view-tabs').boundingBox();
      const panel = await page.locator('.view-panel').boundingBox();
      if (tabs && panel)
        await page.screenshot({
          path: join(shots, 'readme-compare.png'),
          clip: { x: tabs.x - 8, y: Math.max(tabs.y - 8, 0), width: tabs.width + 16, height: Math.min(panel.y + panel.height - tabs.y + 16, 900) },
        });
      // The granting statement is selected in its editor by a click.
      await region.locator('.granted-by button').first().click();
      expect(await page.evaluate(() => window.getSelection()?.toString() ?? '')).toContain('"ReadImages"');
      // The witness goes into the request builder and evaluates to Allow under the current policies.
      const witness = JSON.parse((await region.locator('.witness-json').textContent()) as string) as { action: string; resource?: string };
      await region.getByRole('button', { name: /^Load this request/ }).click();
      await expect.poll(() => page.locator('select[name="action"]').inputValue(), POLL).toBe('ims:images:deleteImage');
      await expect.poll(() => page.locator('.decision').getAttribute('data-decision'), POLL).toBe('allow');
      expect(witness.action).toBe('ims:images:deleteImage');
      if (witness.resource) expect(await page.locator('.request .preview').first().textContent()).toBe(witness.resource);
      await page.screenshot({ path: join(shots, '9-witness-loaded.png') });
    },
    STEP_TIMEOUT,
  );

  it(
    'a shared link with a baseline reproduces the comparison',
    async () => {
      await page.waitForTimeout(400); // the fragment follows the last change after 300 ms
      const url = await page.evaluate(() => location.href);
      const expected = await actionsOf(newRegions());
      const other = await chromium.context.newPage();
      try {
        other.on('pageerror', (err) => pageErrors.push(err.message));
        await other.goto(url);
        await other.locator('[data-decision]').waitFor();
        expect(await other.locator('#view-compare').getAttribute('aria-selected')).toBe('true');
        await expect.poll(() => verdict(other).getAttribute('data-result'), POLL).toBe('FAIL');
        expect(await actionsOf(newRegions(other))).toEqual(expected);
        await other.screenshot({ path: join(shots, '10-shared-compare.png') });
      } finally {
        await other.close();
      }
    },
    STEP_TIMEOUT,
  );

  it(
    'narrowing * back to get* is lost access (and no new access: PASS)',
    async () => {
      await page.getByRole('button', { name: 'Take the current policies as the new baseline' }).click();
      await expect.poll(() => verdict().getAttribute('data-result'), POLL).toBe('PASS');
      await page.locator('.tab', { hasText: 'image-admin' }).click();
      await setEditorText(NARROW);
      await expect.poll(() => lostRegions().count(), POLL).toBeGreaterThan(0);
      expect(await verdict().getAttribute('data-result')).toBe('PASS');
      expect(await actionsOf(lostRegions())).toContain('ims:images:deleteImage');
      // The baseline goes back into the editors.
      await page.getByRole('button', { name: 'Put the baseline back in the editors' }).click();
      await expect.poll(() => lostRegions().count(), POLL).toBe(0);
      expect(await page.locator('.baseline-line').textContent()).toContain('The current policies are the same');
      await page.getByRole('button', { name: 'Remove the baseline' }).click();
      await page.getByRole('button', { name: 'Take the current policies as the baseline' }).waitFor();
    },
    STEP_TIMEOUT,
  );

  it(
    'the summary shows each action always, conditional or never, in words, by access level',
    async () => {
      await openFresh();
      await setEditorText(NARROW);
      await page.getByRole('tab', { name: 'Summary', exact: true }).click();
      const row = (action: string) => page.locator(`.view-panel tr[data-action="${action}"]`);
      await expect.poll(() => row('ims:images:list').getAttribute('data-access'), POLL).toBe('always');
      expect(await row('ims:images:list').locator('td').first().textContent()).toContain('always');
      expect(await row('ims:images:deleteImage').getAttribute('data-access')).toBe('never');
      expect(await row('ims:images:deleteImage').locator('td').first().textContent()).toContain('never');
      expect(await row('ims:images:get').getAttribute('data-access')).toBe('conditional');
      expect(await row('ims:images:get').textContent()).toContain('ims:*:acc-1:image:*');
      // By access level: list actions under List, deleteImage under Write.
      expect(await page.locator('table.summary-table[data-level="list"] tr[data-action="ims:images:list"]').count()).toBe(1);
      expect(await page.locator('table.summary-table[data-level="write"] tr[data-action="ims:images:deleteImage"]').count()).toBe(1);
      await page.screenshot({ path: join(shots, '11-summary.png') });
      // A conditional action's allowed request loads and is allowed.
      await row('ims:images:get')
        .getByRole('button', { name: /^Load this request/ })
        .first()
        .click();
      await expect.poll(() => page.locator('select[name="action"]').inputValue(), POLL).toBe('ims:images:get');
      await expect.poll(() => page.locator('.decision').getAttribute('data-decision'), POLL).toBe('allow');
    },
    STEP_TIMEOUT,
  );

  it(
    'works from the keyboard and has no serious or critical accessibility violations (axe-core)',
    async () => {
      await openFresh();
      await page.locator('#view-trace').focus();
      await page.keyboard.press('End');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('view-summary');
      await page.keyboard.press('ArrowLeft');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('view-compare');
      expect(await page.locator('#view-compare').getAttribute('aria-selected')).toBe('true');
      // Into the panel, to its first control, and take the baseline by keyboard.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Take the current policies as the baseline');
      await page.keyboard.press('Enter');
      await expect.poll(() => verdict().getAttribute('data-result'), POLL).toBe('PASS');
      expect(await axeViolations(), 'the compare view, PASS').toEqual([]);
      await setEditorText(WIDE);
      await expect.poll(() => verdict().getAttribute('data-result'), POLL).toBe('FAIL');
      expect(await axeViolations(), 'the compare view, FAIL with regions').toEqual([]);
      // A witness loaded by keyboard: the focus stays on the panel's controls when the view redraws.
      await page.locator('.view-panel .load-witness').first().focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.decision').getAttribute('data-decision'), POLL).toBe('allow');
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => document.activeElement?.closest('.view-panel') !== null && document.activeElement?.tagName === 'BUTTON')).toBe(true);
      await page.getByRole('tab', { name: 'Summary', exact: true }).click();
      await page.locator('.view-panel table.summary-table').first().waitFor();
      expect(await axeViolations(), 'the summary view').toEqual([]);
    },
    STEP_TIMEOUT,
  );

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
