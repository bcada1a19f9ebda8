import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The SPA build: one static bundle for every stage (issuer and client come from /config.json at
 * runtime). The local gateway serves web/dist at /; CloudFront serves the same files in AWS.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
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
