import type { LocalPlatform } from '../../../infra/local/platform-adapters.ts';
import { ConfigError } from '../config.ts';
import { settings } from './ports.ts';

/**
 * The local platform's adapters (infra/local/platform-adapters.ts), loaded only in local mode: the
 * module is named by URL, so esbuild leaves it out of every Lambda bundle.
 */
const LOCAL_PLATFORM_MODULE = new URL('../../../infra/local/platform-adapters.ts', import.meta.url).href;

const loaded =
  settings().mode === 'local'
    ? ((await import(
        /* @vite-ignore */ LOCAL_PLATFORM_MODULE
      )) as typeof import('../../../infra/local/platform-adapters.ts'))
    : undefined;

/** The in-process local platform (local mode only). */
export function localPlatform(): LocalPlatform {
  if (!loaded)
    throw new ConfigError('The local build, GitOps and sync services exist only with WHARF_MODE=local');
  return loaded.localPlatform(settings().env);
}
