import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import {
  type AccessibilityProblem,
  type Account,
  accessibilityProblems,
  deployFromProjectPage,
  runStatus,
  signInAs,
} from './flows.ts';
import { type RunningPlatform, startPlatform } from './platform.ts';

/**
 * A newcomer's first deploy, in Debian Chromium against `npm start`: alice signs in, creates a
 * monolith from the Node sample, deploys it and watches the log, opens the live URL, redeploys, rolls
 * back — and bob cannot see any of it. Each page is saved as a screenshot under test-artifacts/e2e/.
 */
const artifacts = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url));
let platform: RunningPlatform;
let browser: Browser;
let shot = 0;

/** Every page of the app is also checked for WCAG 2 A/AA problems; the test ends by asserting none. */
const accessibility: Array<{ page: string } & AccessibilityProblem> = [];

async function screenshot(page: Page, name: string) {
  if (page.url().startsWith(platform.url) && !page.url().includes('/oidc/')) {
    for (const problem of await accessibilityProblems(page)) accessibility.push({ page: name, ...problem });
  }
  shot += 1;
  await page.screenshot({
    path: join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

/**
 * How wide the page's content is against the window (wider means the user scrolls sideways), and the
 * elements that stick out, so a failure names them.
 */
const pageWidths = (page: Page) =>
  page.evaluate(() => {
    interface El {
      tagName: string;
      className: unknown;
      getBoundingClientRect(): { right: number };
      closest(selector: string): unknown;
    }
    const { document, innerWidth } = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): Iterable<El> };
      innerWidth: number;
    };
    const outside = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && !el.closest('.log-scroll'))
      .slice(0, 8)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).replace(/ /g, '.')}`);
    return { scroll: document.documentElement.scrollWidth, inner: innerWidth, outside };
  });

const signIn = (context: BrowserContext, account: Account) =>
  signInAs(context, platform.url, account, async (page, step) => {
    if (account === 'Alice') await screenshot(page, step);
  });

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  [platform, browser] = await Promise.all([startPlatform(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('Wharf in the browser', () => {
  it('alice deploys the Node sample, watches it, opens it, redeploys and rolls back; bob sees none of it', async () => {
    const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(alice, 'Alice');

    // First visit: the empty state says what to do, with a sample one click away.
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    await screenshot(page, 'projects-empty');
    // One click creates the sample and starts its deploy into staging; the run page opens.
    const clicked = performance.now();
    await page.getByRole('button', { name: 'Deploy a sample' }).click();
    await page.waitForURL(/\/projects\/p[0-9a-z]+\/runs\/r[0-9a-z]+$/);
    await page.locator('.log-line').first().waitFor({ timeout: 60_000 });
    const first = { runUrl: page.url(), firstLineMs: performance.now() - clicked };
    const projectUrl = first.runUrl.replace(/\/runs\/r[0-9a-z]+$/, '');
    await screenshot(page, 'run-live-log');
    await runStatus(page, 'deployed');
    await page.getByRole('heading', { name: 'Release #1 is live' }).waitFor();
    const log = await page.locator('.log-line .log-text').allTextContents();
    expect(log.join('\n')).toContain('Building node-web');
    const numbers = (await page.locator('.log-line .log-no').allTextContents()).map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    // The log is grouped by the step that wrote it, each group a button that says what it holds (the
    // log is virtual and follows its tail: back to the top, where the build's group starts).
    await page.locator('.log-scroll').evaluate((el) => {
      (el as unknown as { scrollTop: number }).scrollTop = 0;
    });
    await page.getByRole('button', { name: /^Build\W+[\d,]+ lines?\W.*succeeded$/ }).waitFor();
    await screenshot(page, 'run-deployed');

    // Reload the finished run: the log is replayed, same lines.
    await page.reload();
    await runStatus(page, 'deployed');
    await page.locator('.log-line').first().waitFor();
    // The replayed log starts at its first line, under the same step groups.
    await page.locator('.log-scroll').evaluate((el) => {
      (el as unknown as { scrollTop: number }).scrollTop = 0;
    });
    await page.getByRole('button', { name: /^Build\W+[\d,]+ lines?\W.*succeeded$/ }).waitFor();
    expect(await page.locator('.log-line .log-no').first().textContent()).toBe('1');

    // The live URL opens the app.
    await page.goto(projectUrl);
    const open = page.getByRole('link', { name: /Open live URL/ }).first();
    await open.waitFor();
    expect(await open.getAttribute('target')).toBe('_blank');
    const liveUrl = (await open.getAttribute('href')) as string;
    const [app] = await Promise.all([alice.waitForEvent('page'), open.click()]);
    await app.waitForLoadState();
    expect(app.url()).toBe(liveUrl);
    await app.getByRole('heading', { name: 'Hello from Wharf node-web' }).waitFor();
    await screenshot(app, 'live-app');
    await app.close();

    const releaseOneImage = (
      (await page
        .getByRole('row')
        .filter({ hasText: '#1' })
        .getByText(/node-web:r/)
        .first()
        .textContent()) ?? ''
    ).trim();
    expect(releaseOneImage).toMatch(/^node-web:r[0-9a-z]+$/);

    // Redeploy: release 2 — while a new tab (signed in without a click: the issuer's session,
    // asked silently) shows the project list, which follows the run live.
    await screenshot(page, 'project-deployed');
    const list = await alice.newPage();
    await list.goto(projectUrl.replace(/\/projects\/.*$/, ''));
    const row = list
      .getByRole('listitem')
      .filter({ hasText: 'node-web' })
      .locator('p', { hasText: 'staging' });
    await row.locator('.status-badge[data-status="deployed"]').waitFor();
    const second = await deployFromProjectPage(page);
    expect(second.runUrl).not.toBe(first.runUrl);
    await row.locator('.status-badge:not([data-status="deployed"])').waitFor({ timeout: 30_000 });
    await runStatus(page, 'deployed');
    await row.locator('.status-badge[data-status="deployed"]').waitFor({ timeout: 30_000 });
    await list.close();

    // Roll back to release 1, after a confirmation that previews the change.
    await page.goto(projectUrl);
    await page.getByRole('button', { name: 'Roll back to release 1' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('heading', { name: 'Image' }).waitFor();
    expect(await dialog.textContent()).toContain(releaseOneImage);
    await page.screenshot({
      path: join(artifacts, `${String(++shot).padStart(2, '0')}-rollback-confirm.png`),
    });
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.waitForURL(/\/runs\/r[0-9a-z]+$/);
    expect(page.url()).not.toBe(second.runUrl);
    await runStatus(page, 'deployed');
    await page.getByRole('heading', { name: 'Release #3 is live' }).waitFor();
    await screenshot(page, 'rollback-deployed');
    await page.goto(projectUrl);
    await page.getByRole('heading', { name: 'Release history' }).first().waitFor();
    // The rollback is release 3, serving release 1's image.
    const current = page.getByRole('row').filter({ hasText: '#3' });
    await current.getByText('live').waitFor();
    expect(await current.textContent()).toContain(releaseOneImage);
    await screenshot(page, 'project-after-rollback');

    // Promote staging's live release to production: a preview first, then a run with no build step.
    await page.getByRole('button', { name: 'Promote #3 to production' }).click();
    const promote = page.getByRole('dialog');
    await promote.getByRole('heading', { name: 'Image' }).waitFor();
    expect(await promote.textContent()).toContain(releaseOneImage);
    await screenshot(page, 'promote-confirm');
    await promote.getByRole('button', { name: 'Promote' }).click();
    await page.waitForURL(/\/runs\/r[0-9a-z]+$/);
    await runStatus(page, 'deployed');
    await page.getByRole('heading', { name: 'Release #1 is live' }).waitFor();
    await screenshot(page, 'promotion-deployed');
    await page.goto(projectUrl);
    const stage = (name: string) => page.getByRole('listitem', { name, exact: true });
    await stage('production')
      .getByText(/promoted from staging #3/)
      .waitFor();
    // The same image digest in both environments: promoted, not rebuilt.
    const digest = (name: string) => stage(name).locator('code[title*="sha256:"]').textContent();
    expect(await digest('production')).toBe(await digest('staging'));
    await screenshot(page, 'project-pipeline');

    // The same project on a 390 px phone: release rows are cards, Roll back on screen, no sideways scroll.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('heading', { name: 'Release history' }).first().waitFor();
    const rollBack = page.getByRole('button', { name: /^Roll back to release/ }).first();
    await rollBack.scrollIntoViewIfNeeded();
    expect(await rollBack.isVisible()).toBe(true);
    const box = await rollBack.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box)).toBe(true);
    const widths = await pageWidths(page);
    expect(widths.scroll, JSON.stringify(widths)).toBeLessThanOrEqual(widths.inner);
    await screenshot(page, 'project-phone');
    // A run's log on the phone: the toolbar wraps, no sideways scroll of the page.
    await page.goto(second.runUrl);
    await runStatus(page, 'deployed');
    await page.locator('.log-line').first().waitFor();
    const runWidths = await pageWidths(page);
    expect(runWidths.scroll, JSON.stringify(runWidths)).toBeLessThanOrEqual(runWidths.inner);
    await screenshot(page, 'run-phone');
    await alice.close();

    // bob: his own (empty) workspace, and alice's project is not found for him.
    const bobContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    const bob = await signIn(bobContext, 'Bob');
    await bob.getByRole('heading', { name: 'No projects yet' }).waitFor();
    expect(await bob.getByText('node-web').count()).toBe(0);
    await screenshot(bob, 'bob-projects');
    await bob.goto(projectUrl);
    await bob.waitForLoadState('networkidle');
    await screenshot(bob, 'bob-cannot-see-alice-project');
    await bob
      .getByRole('alert')
      .filter({ hasText: /not a member/ })
      .first()
      .waitFor({ timeout: 10_000 });
    expect(await bob.getByRole('button', { name: /^Deploy to / }).count()).toBe(0);
    await bobContext.close();

    console.log(
      `first log line after Deploy: ${first.firstLineMs.toFixed(0)} ms (redeploy ${second.firstLineMs.toFixed(0)} ms)`,
    );
  });
  it('tells alice why a deploy failed and which field to fix, finds her projects by name, and documents the API', async () => {
    const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(alice, 'Alice');

    // A second sample project: one click, a name of its own, its deploy started.
    await page.getByRole('button', { name: 'Deploy a sample' }).click();
    await page.waitForURL(/\/projects\/p[0-9a-z]+\/runs\/r[0-9a-z]+$/);
    await runStatus(page, 'deployed');
    const projectUrl = page.url().replace(/\/runs\/r[0-9a-z]+$/, '');

    // A health check path the app does not serve: the run fails saying what was probed and what
    // answered, and links to the field to fix.
    await page.goto(`${projectUrl}/edit`);
    const health = page.getByLabel('Health check path');
    await health.fill('/nope');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await page.goto(projectUrl);
    await deployFromProjectPage(page);
    // Staging had a live release, so the failed rollout is rolled back to it.
    const runId = page.url().split('/').at(-1) as string;
    await page
      .locator(
        `h1[data-run="${runId}"] .status-badge:is([data-status="failed"], [data-status="rolled_back"])`,
      )
      .waitFor({ timeout: 120_000 });
    await page
      .getByText(/GET \/nope on :3000 → 404/)
      .first()
      .waitFor();
    await screenshot(page, 'run-failed-health-check');
    const fix = page.getByRole('link', { name: /health check path/i }).first();
    await fix.waitFor();
    expect(await fix.getAttribute('href')).toContain('/edit#');

    // The workspace's projects, found by part of a name, the newest activity first.
    await page.goto(projectUrl.replace(/\/projects\/.*$/, ''));
    await page.getByLabel('Search projects').fill('web-2');
    const rows = page.getByRole('list', { name: 'Projects' }).getByRole('listitem');
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('ul.project-list > li').length === 1,
    );
    expect(await rows.first().textContent()).toContain('node-web-2');
    await screenshot(page, 'projects-search');

    // The API reference, generated from the route table and the schemas the handlers parse with.
    await page.goto(`${platform.url}/api/docs`);
    await page.getByRole('heading', { name: 'Wharf API', level: 1 }).waitFor();
    expect(await page.textContent('body')).toContain(
      '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/cancel',
    );
    // Its own strict CSP (default-src 'none') keeps axe out: a plain screenshot.
    await page.screenshot({
      path: join(artifacts, `${String(++shot).padStart(2, '0')}-api-docs.png`),
      fullPage: false,
    });
    await alice.close();

    expect(accessibility, JSON.stringify(accessibility, null, 2)).toEqual([]);
  });
});
