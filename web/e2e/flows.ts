import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * What a user does in the web app, as Playwright steps: shared by the end-to-end test and the
 * benchmark, so both drive the same pages the same way.
 */
export type Account = 'Alice' | 'Bob' | 'Carol';

/** Signs in through the local issuer's page; `onStep` sees the sign-in page and the account picker. */
export async function signInAs(
  context: BrowserContext,
  url: string,
  account: Account,
  onStep?: (page: Page, step: 'sign-in' | 'issuer-accounts') => Promise<void>,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('heading', { name: 'Sign in to Wharf' }).waitFor();
  await onStep?.(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const pick = page.getByRole('button', { name: new RegExp(`Sign in as ${account}`) });
  await pick.waitFor();
  await onStep?.(page, 'issuer-accounts');
  await pick.click();
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
  return page;
}

/** Waits until the run page (of the run in the URL) shows `status` in its heading. */
export async function runStatus(page: Page, status: string, timeout = 120_000) {
  const runId = page.url().split('/').at(-1) as string;
  await page
    .locator(`h1[data-run="${runId}"]`)
    .locator(`.status-badge[data-status="${status}"]`)
    .waitFor({ timeout });
}

/**
 * On a project page: Deploy (to the first environment, staging for a new project), then the run page's
 * first log line; how long that took from the click.
 */
export async function deployFromProjectPage(page: Page): Promise<{ runUrl: string; firstLineMs: number }> {
  const clicked = performance.now();
  await page.getByRole('button', { name: /^Deploy to staging/ }).click();
  await page.waitForURL(/\/runs\/r[0-9a-z]+$/);
  await page.locator('.log-line').first().waitFor({ timeout: 60_000 });
  return { runUrl: page.url(), firstLineMs: performance.now() - clicked };
}

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

export interface AccessibilityProblem {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

interface AxeResults {
  violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: string[] }> }>;
}

/** WCAG 2 A/AA problems axe-core finds on the page as it is now (serious and critical ones). */
export async function accessibilityProblems(page: Page): Promise<AccessibilityProblem[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<AxeResults> };
      document: unknown;
    };
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}
