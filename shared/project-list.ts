import type { Page, Project } from './domain.ts';
import { invalid } from './errors.ts';

/**
 * How a workspace's project list is ordered and paged, in one place for every ProjectRepository:
 * newest activity first (the newest of created, updated and last run started), ties by id. A
 * workspace's projects fit in a few queries, so the repository reads them all and pages here; the
 * cursor names the last item shown (its activity time and id), so a page never repeats or skips a
 * project whose activity did not change in between, and `nextCursor` is set only when more follow.
 */
export interface ProjectListOptions {
  limit: number;
  cursor?: string | undefined;
  /** A case-insensitive substring of the name. */
  query?: string | undefined;
}

/** When a project was last touched: created, changed, or a run started (`lastRunAt`). */
export function latestActivity(project: Pick<Project, 'createdAt' | 'updatedAt'>, lastRunAt?: string) {
  return [project.createdAt, project.updatedAt, lastRunAt ?? ''].reduce((a, b) => (b > a ? b : a));
}

interface Position {
  at: string;
  id: string;
}

// base64url JSON keeps the cursor opaque to clients, like the other lists' (btoa: Node and browsers).
const encodeCursor = ({ at, id }: Position) =>
  btoa(JSON.stringify({ at, id })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Only a position this list could have issued: exactly `at` (a time) and `id` (a project id). */
function decodeCursor(cursor: string): Position {
  try {
    const key: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (key && typeof key === 'object' && Object.keys(key).length === 2) {
      const { at, id } = key as Record<string, unknown>;
      if (
        typeof at === 'string' &&
        !Number.isNaN(Date.parse(at)) &&
        typeof id === 'string' &&
        /^[A-Za-z0-9_-]{1,64}$/.test(id)
      ) {
        return { at, id };
      }
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw invalid(
    'request.invalid_cursor',
    'cursor is not one this list returned; start again without it',
    'cursor',
  );
}

/** Newest first; the same time orders by id, so the order is total and a cursor is exact. */
const before = (a: Position, b: Position) => (a.at !== b.at ? a.at > b.at : a.id < b.id);

/**
 * One page of `projects` (live ones of one workspace), with `lastRunAt` the time each project's
 * newest run started, by project id.
 */
export function pageByActivity<P extends Project>(
  projects: readonly P[],
  lastRunAt: ReadonlyMap<string, string>,
  { limit, cursor, query }: ProjectListOptions,
): Page<P> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const needle = query?.trim().toLowerCase();
  const sorted = projects
    .filter((p) => !needle || p.name.toLowerCase().includes(needle))
    .map((project) => ({ project, at: latestActivity(project, lastRunAt.get(project.id)), id: project.id }))
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const rest = after ? sorted.filter((p) => before(after, p)) : sorted;
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((p) => p.project),
    ...(last && rest.length > limit ? { nextCursor: encodeCursor(last) } : {}),
  };
}
