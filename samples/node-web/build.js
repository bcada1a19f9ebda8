// Builds dist/ in a few visible steps, so a deploy's log shows lines arriving as they happen.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
const started = Date.now();

console.log(`Building ${pkg.name} ${pkg.version}`);
await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });

const steps = ['Checking sources', 'Rendering pages', 'Writing assets', 'Stamping the version'];
for (const [i, step] of steps.entries()) {
  console.log(`[${i + 1}/${steps.length}] ${step}…`);
  await pause(300);
}

const builtAt = new Date().toISOString();
await writeFile('dist/version.txt', `${pkg.version} built ${builtAt}\n`);
await writeFile(
  'dist/style.css',
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#123}\n',
);
console.log(`Wrote dist/version.txt and dist/style.css in ${Date.now() - started} ms`);
