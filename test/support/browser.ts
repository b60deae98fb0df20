/**
 * Chromium for the browser tests and the playground benchmark, driven by playwright-core (no browser download:
 * the system's Chromium, Debian's `chromium` package). CHROMIUM_PATH overrides the executable. A missing browser
 * is an error that says how to install it, never a skipped test.
 *
 * The flags keep a headless Chromium from reaching out (background networking, component updates, sync, QUIC):
 * without them its outgoing connections are refused many at a time on machines without a network, which slows
 * every page load. Each launch gets a fresh profile directory (--user-data-dir; Playwright takes it as the
 * persistent context's directory and refuses it among the args), removed on close.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where the browser tests put their screenshots (git-ignored). */
export const PLAYGROUND_SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'playground');
/** A browser test step's timeout: the first call to a function of the local stack can take seconds. */
export const STEP_TIMEOUT = 60_000;
/** expect.poll waits 1 s by default; a first call to a function of the local stack can take longer. */
export const POLL = { timeout: 15_000 };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LaunchedBrowser {
  /** The browser's one context (its fresh profile). */
  context: BrowserContext;
  close: () => Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install it (Debian: apt-get install -y chromium; .ci/run does this) or point CHROMIUM_PATH at a Chromium executable.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'ims-authz-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000, viewport: { width: 1280, height: 900 } });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core's serious and critical violations on the page as it is now, one line each. The script is evaluated
 * through the driver (the page's CSP allows no inline script), once per page.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(' '))
            .join(', ')}`,
      );
  });
}
