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
    .locator('h1', { hasText: runId })
    .locator(`.status-badge[data-status="${status}"]`)
    .waitFor({ timeout });
}

/** On a project page: Deploy, then the run page's first log line; how long that took from the click. */
export async function deployFromProjectPage(page: Page): Promise<{ runUrl: string; firstLineMs: number }> {
  const clicked = performance.now();
  await page.getByRole('button', { name: /^Deploy to production/ }).click();
  await page.waitForURL(/\/runs\/r[0-9a-z]+$/);
  await page.locator('.log-line').first().waitFor({ timeout: 60_000 });
  return { runUrl: page.url(), firstLineMs: performance.now() - clicked };
}
