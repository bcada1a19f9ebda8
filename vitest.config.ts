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
          env: { LOG_LEVEL: 'silent' },
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
