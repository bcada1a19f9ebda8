import type { Clock, IdGenerator } from '../../../shared/ports.ts';
import { randomIds, systemClock } from '../../adapters/system/ids.ts';

/** Ids and time: no settings, no grants. */
export const ids = (): IdGenerator => randomIds;
export const clock = (): Clock => systemClock;

/** Resolves a repository's host name, so a name that points inward is refused (DNS; no grant). */
export { resolveHost } from '../../adapters/system/dns.ts';
