import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** web reaches shared/ by one path, `@shared/…` (also in tsconfig.json `paths` and the root vitest web project). */
const sharedAlias = { '@shared': fileURLToPath(new URL('../shared', import.meta.url)) };

/**
 * The SPA build: one static bundle for every stage (issuer and client come from /config.json at
 * runtime). The local gateway serves web/dist at /; CloudFront serves the same files in AWS.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  resolve: { alias: sharedAlias },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // react-router marks its entry "use client" for server components; an SPA has none.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});
