import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the CDK app bundles functions/ from here, with its package-lock.json. */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const functionsDir = join(repoRoot, 'functions');

/** The built SPA when there is one (`web/dist`), else the placeholder page shipped with the CDK app. */
export function webAssetsDir(): string {
  const dist = join(repoRoot, 'web', 'dist');
  return existsSync(join(dist, 'index.html')) ? dist : join(repoRoot, 'infra', 'aws', 'web-placeholder');
}
