import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { launchChromium } from '../web/e2e/browser.ts';
import { deployFromProjectPage, runStatus, signInAs } from '../web/e2e/flows.ts';
import { startPlatform } from '../web/e2e/platform.ts';
import { fixed, heading, median, percentile, table, verdict } from './report.ts';

const webRoot = fileURLToPath(new URL('../web/', import.meta.url));
const INITIAL_JS_TARGET_KB = 200;
const DEPLOYS = 5;

/**
 * The web app: its initial JS (the entry script and what index.html preloads, gzipped) against the
 * 200 KB target, and, in Debian Chromium against `npm start`, how long after the Deploy click the
 * run page shows its first log line.
 */
export async function benchWebApp(): Promise<string> {
  await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
  const dist = join(webRoot, 'dist');
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const initial = [
    ...html.matchAll(/<script type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1] as string);
  const sizes = await Promise.all(
    initial.map(async (src) => {
      const bytes = await readFile(join(dist, src));
      return { src, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
  const totalGzip = sizes.reduce((sum, s) => sum + s.gzip, 0);

  const platform = await startPlatform();
  const browser = await launchChromium();
  const firstLine: number[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signInAs(context, platform.url, 'Alice');
    // One click creates the sample and starts its first deploy; the run page opens.
    await page.getByRole('button', { name: 'Deploy a sample' }).click();
    await page.waitForURL(/\/runs\/r[0-9a-z]+$/);
    const projectUrl = page.url().replace(/\/runs\/r[0-9a-z]+$/, '');
    await runStatus(page, 'deployed');
    await page.goto(projectUrl);
    for (let i = 0; i < DEPLOYS; i++) {
      await page.getByRole('button', { name: /^Deploy to production/ }).waitFor();
      firstLine.push((await deployFromProjectPage(page)).firstLineMs);
      await runStatus(page, 'deployed');
      await page.goto(projectUrl);
    }
  } finally {
    await browser.close();
    await platform.stop();
  }

  const kb = (bytes: number) => fixed(bytes / 1024);
  return [
    heading('Web app'),
    table(
      ['initial script', 'raw KB', 'gzip KB'],
      [
        ...sizes.map((s) => [s.src, kb(s.raw), kb(s.gzip)]),
        ['total', kb(sizes.reduce((sum, s) => sum + s.raw, 0)), kb(totalGzip)],
      ],
      new Set([1, 2]),
    ),
    `initial JS ${kb(totalGzip)} KB gzipped (target < ${INITIAL_JS_TARGET_KB} KB): ${verdict(totalGzip < INITIAL_JS_TARGET_KB * 1024)}`,
    `first log line on the run page after Deploy is clicked (Chromium, ${firstLine.length} deploys): ` +
      `median ${fixed(median(firstLine), 0)} ms, max ${fixed(percentile(firstLine, 100), 0)} ms` +
      ` (${firstLine.map((ms) => fixed(ms, 0)).join(', ')})`,
  ].join('\n');
}
