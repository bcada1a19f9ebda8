import type { Identity } from '../domain.ts';
import {
  fixedClock,
  InMemoryProjects,
  InMemorySecrets,
  InMemoryStore,
  InMemoryUsers,
  InMemoryWorkspaces,
  sequentialIds,
} from './in-memory.ts';

export const alice: Identity = { userId: 'alice', username: 'alice', name: 'Alice Example' };
export const bob: Identity = { userId: 'bob', username: 'bob', name: 'Bob Example' };

/** A fresh set of in-memory ports for one use-case test. */
export function inMemoryDeps() {
  const store = new InMemoryStore();
  return {
    store,
    users: new InMemoryUsers(store),
    workspaces: new InMemoryWorkspaces(store),
    projects: new InMemoryProjects(),
    secrets: new InMemorySecrets(),
    ids: sequentialIds(),
    clock: fixedClock(),
    mode: 'local' as const,
    platformDomain: 'apps.test',
  };
}
