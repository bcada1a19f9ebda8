import { defineConfig } from 'vitest/config';

/** `npm run test:e2e`: the SPA in Debian Chromium against `npm start`, one file at a time. */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['web/e2e/**/*.e2e.ts'],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
