import type { ProjectView } from '@shared/api.ts';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useConfig } from '../../api/context.tsx';
import { useProjects } from '../../api/projects-service.ts';
import { paths } from '../../app/paths.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Loading, Spinner } from '../../components/loading.tsx';
import { useMe } from '../../components/me-context.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useResource } from '../../components/use-resource.ts';
import { useLive } from '../../live/live-context.tsx';
import { ApprovalsSection } from './approvals-section.tsx';
import { DeploySampleButton } from './deploy-sample-button.tsx';
import { ProjectRow } from './project-row.tsx';

const PAGE_SIZE = 50;
/** Typing pauses this long before the list is asked again: one request per word, not per key. */
const SEARCH_DELAY_MS = 250;

/** `value`, once it has stayed the same for `delayMs`. */
function useSettled(value: string, delayMs: number) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** `/w/:workspaceId`: the workspace's projects, newest activity first, each with its live status. */
export function WorkspaceHome() {
  const { workspaceId = '' } = useParams();
  const projects = useProjects();
  const config = useConfig();
  const { me } = useMe();
  const workspace = me?.workspaces.find((w) => w.id === workspaceId);
  usePageTitle(workspace ? `${workspace.name} projects` : 'Projects');
  const [search, setSearch] = useState('');
  const q = useSettled(search.trim(), SEARCH_DELAY_MS);

  const first = useResource(
    (signal) => projects.list(workspaceId, { limit: PAGE_SIZE, q }, signal),
    [projects, workspaceId, q],
  );
  const [more, setMore] = useState<{ items: ProjectView[]; nextCursor: string | undefined }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh first page starts the list over
  useEffect(() => setMore(undefined), [first.data]);

  // A project whose activity changed between pages could come twice: keep its first place.
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])].filter(
    (p, i, all) => all.findIndex((o) => o.id === p.id) === i,
  );
  const searching = q !== '';
  const nextCursor = more ? more.nextCursor : first.data?.nextCursor;
  const refreshKeys = useLiveRefresh(
    workspaceId,
    items.map((p) => p.id),
    first.reload,
  );

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await projects.list(workspaceId, { limit: PAGE_SIZE, cursor: nextCursor, q });
      setMore({ items: [...(more?.items ?? []), ...page.items], nextCursor: page.nextCursor });
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <p className="small muted">{workspace ? `Workspace ${workspace.name}` : 'Workspace'}</p>
          <h1>Projects</h1>
        </div>
        {(items.length > 0 || searching) && (
          <div className="row">
            {config.mode === 'local' && <DeploySampleButton workspaceId={workspaceId} />}
            <Link className="btn btn-primary" to={paths.newProject(workspaceId)}>
              New project
            </Link>
          </div>
        )}
      </div>
      <ApprovalsSection workspaceId={workspaceId} />
      {(items.length > 0 || searching || search !== '') && (
        <search className="field">
          <label htmlFor="project-search">Search projects</label>
          <input
            id="project-search"
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Part of a name"
            autoComplete="off"
            maxLength={100}
          />
        </search>
      )}
      {!first.data ? (
        first.error !== undefined ? (
          <ErrorMessage title="The projects could not be loaded" error={first.error} onRetry={first.reload} />
        ) : (
          <Loading label="Loading projects…" />
        )
      ) : items.length === 0 && searching ? (
        <p role="status">No project name contains “{q}”.</p>
      ) : items.length === 0 ? (
        <NoProjects workspaceId={workspaceId} />
      ) : (
        <>
          <ul className="project-list" aria-label="Projects">
            {items.map((project) => (
              <ProjectRow
                key={project.id}
                workspaceId={workspaceId}
                project={project}
                refreshKey={refreshKeys[project.id] ?? 0}
              />
            ))}
          </ul>
          {moreError !== undefined && (
            <ErrorMessage title="More projects could not be loaded" error={moreError} />
          )}
          {nextCursor && (
            <div>
              <button type="button" className="btn" onClick={loadMore} disabled={loadingMore}>
                {loadingMore && <Spinner />}
                Show more projects
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

/**
 * Watches the workspace's run events: an event for a listed project bumps that row's key (the row
 * reloads its status); one for a project not listed (created elsewhere) reloads the list.
 */
function useLiveRefresh(workspaceId: string, projectIds: string[], reloadList: () => void) {
  const { watchWorkspace } = useLive();
  const [keys, setKeys] = useState<Record<string, number>>({});
  const known = useRef(new Set<string>());
  known.current = new Set(projectIds);
  const reload = useRef(reloadList);
  reload.current = reloadList;

  useEffect(
    () =>
      watchWorkspace(workspaceId, (event) => {
        if (!known.current.has(event.projectId)) return reload.current();
        setKeys((k) => ({ ...k, [event.projectId]: (k[event.projectId] ?? 0) + 1 }));
      }),
    [watchWorkspace, workspaceId],
  );
  return keys;
}

function NoProjects({ workspaceId }: { workspaceId: string }) {
  const config = useConfig();
  return (
    <section className="empty-state" aria-labelledby="no-projects">
      <h2 id="no-projects">No projects yet</h2>
      <p>
        Start by creating a project: a web app from a git repository (monolith), a database, or a set of
        Spring microservices. Then deploy it — Wharf builds it, commits it to GitOps, waits until it is
        healthy, and gives you its live URL.
      </p>
      <div className="row">
        <Link className="btn btn-primary" to={paths.newProject(workspaceId)}>
          Create a project
        </Link>
      </div>
      {config.mode === 'local' && (
        <div className="stack-sm">
          <div>
            <DeploySampleButton workspaceId={workspaceId} />
          </div>
          <p className="small muted">
            The sample is a tiny Node.js web app served by this local platform: it builds offline, in seconds.
            One click creates it and starts its deploy; you watch the run.
          </p>
        </div>
      )}
    </section>
  );
}
