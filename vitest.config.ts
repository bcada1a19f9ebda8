import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'platform',
          include: [
            'shared/**/*.test.ts',
            'functions/**/*.test.ts',
            'infra/**/*.test.ts',
            'testing/**/*.test.ts',
            'events/**/*.test.ts',
          ],
          // One in-memory local stack (DynamoDB Local, issuer, gateway) for every platform test file.
          globalSetup: ['infra/local/testing/global-setup.ts'],
          // Container-mode test files share seeded base images through this machine's cache: the first
          // seeds from Debian packages (about a minute), the others load it in a second.
          env: { LOG_LEVEL: 'silent', WHARF_BASE_IMAGE_CACHE: join(tmpdir(), 'wharf-base-image-cache') },
        },
      },
      {
        extends: true,
        // web/ reaches shared/ as `@shared/…` (web/tsconfig.json paths, web/vite.config.ts alias).
        resolve: { alias: { '@shared': fileURLToPath(new URL('shared', import.meta.url)) } },
        test: {
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['web/src/testing/setup.ts'],
        },
      },
    ],
  },
});
