import { type RunStatus, TERMINAL_STATUSES } from '@shared/deploy.ts';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApprovals } from '../../api/approvals-service.ts';
import { useDeployments } from '../../api/deployments-service.ts';
import { useProjects } from '../../api/projects-service.ts';
import { paths } from '../../app/paths.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useResource } from '../../components/use-resource.ts';
import { useLive } from '../../live/live-context.tsx';
import { LiveStatus } from '../../live/live-status.tsx';
import { BackupsSection } from './backups-section.tsx';
import { DatabaseConnections } from './database-connection.tsx';
import { DeployForm } from './deploy-form.tsx';
import { EnvironmentReleases } from './environment-releases.tsx';
import { Pipeline } from './pipeline.tsx';
import { RecentRuns } from './recent-runs.tsx';
import { ServiceCards } from './service-cards.tsx';
import { StatusSummary } from './status-summary.tsx';
import './project-page.css';

/**
 * A project: its environments as a pipeline (promote, resume), deploy, each environment's releases
 * (roll back), and its runs (approve or reject the ones waiting).
 */
export default function ProjectPage() {
  const { workspaceId = '', projectId = '' } = useParams();
  const projects = useProjects();
  const deployments = useDeployments();
  const approvals = useApprovals();
  const { watchWorkspace } = useLive();
  const project = useResource(
    (signal) => projects.get(workspaceId, projectId, signal),
    [projects, workspaceId, projectId],
  );
  const runs = useResource(
    (signal) => deployments.list(workspaceId, projectId, { limit: 10 }, signal),
    [deployments, workspaceId, projectId],
  );
  const [liveStatus, setLiveStatus] = useState<Record<string, RunStatus>>({});
  const [releasesVersion, setReleasesVersion] = useState(0);
  // Every run event of the project: a rollout moves its services.
  const [servicesVersion, setServicesVersion] = useState(0);
  usePageTitle(project.data?.name);
  // Whether the caller may decide comes from the approvals list: asked for only while a run waits.
  const waiting = (runs.data?.items ?? []).some(
    (r) => (liveStatus[r.id] ?? r.status) === 'awaiting_approval',
  );
  const pending = useResource(
    (signal) => (waiting ? approvals.list(workspaceId, signal) : Promise.resolve(undefined)),
    [approvals, workspaceId, waiting],
  );

  // Read through a ref, so a reloaded list doesn't re-send the watch.
  const knownRuns = useRef(runs.data?.items);
  knownRuns.current = runs.data?.items;
  const reloadRuns = runs.reload;
  const reloadProject = project.reload;
  useEffect(
    () =>
      watchWorkspace(workspaceId, (event) => {
        if (event.projectId !== projectId) return;
        setServicesVersion((v) => v + 1);
        if (knownRuns.current?.some((r) => r.id === event.runId)) {
          setLiveStatus((current) => ({ ...current, [event.runId]: event.status }));
          // A run that starts waiting: its deadline comes with a reload (status events don't carry it).
          if (event.status === 'awaiting_approval') reloadRuns();
        } else reloadRuns(); // a run started elsewhere (another tab, a push webhook)
        if (TERMINAL_STATUSES.has(event.status)) {
          setReleasesVersion((v) => v + 1);
          reloadProject(); // the pipeline's live releases
        }
      }),
    [watchWorkspace, workspaceId, projectId, reloadRuns, reloadProject],
  );

  if (project.error)
    return (
      <ErrorMessage error={project.error} title="This project could not be loaded" onRetry={project.reload} />
    );
  if (!project.data) return <Loading label="Loading project…" />;
  const p = project.data;

  return (
    <div className="stack-lg project-page">
      <header className="page-header">
        <div className="stack-sm">
          <p className="small">
            <Link to={paths.workspace(workspaceId)}>Projects</Link>
          </p>
          <h1>{p.name}</h1>
          <p className="muted">
            {p.type === 'database' ? `${p.engine} ${p.version}` : p.type}
            {'repository' in p && (
              <>
                {' · '}
                <code>{p.repository.url}</code> ({p.repository.branch})
              </>
            )}
          </p>
        </div>
        <div className="row">
          <LiveStatus />
          <Link className="btn" to={paths.editProject(workspaceId, projectId)}>
            Edit project
          </Link>
        </div>
      </header>

      <StatusSummary project={p} runs={runs.data?.items} live={liveStatus} onCancelled={runs.reload} />

      <Pipeline project={p} onChanged={project.reload} />

      <DatabaseConnections project={p} />

      <DeployForm project={p} />

      {p.type === 'microservices' &&
        p.environments.map((environment) => (
          <ServiceCards
            key={`services-${environment}`}
            workspaceId={workspaceId}
            projectId={projectId}
            environment={environment}
            version={servicesVersion}
          />
        ))}

      {p.environments.map((environment) => (
        <EnvironmentReleases
          key={environment}
          workspaceId={workspaceId}
          projectId={projectId}
          environment={environment}
          version={releasesVersion}
        />
      ))}

      {p.type === 'database' && (
        <BackupsSection workspaceId={workspaceId} projectId={projectId} backup={p.backup} />
      )}

      <section className="stack" aria-labelledby="recent-runs">
        <h2 id="recent-runs">Recent runs</h2>
        {runs.error ? (
          <ErrorMessage error={runs.error} title="Runs could not be loaded" onRetry={runs.reload} />
        ) : runs.data ? (
          <RecentRuns
            workspaceId={workspaceId}
            projectId={projectId}
            environments={p.environments}
            runs={runs.data.items}
            nextCursor={runs.data.nextCursor}
            live={liveStatus}
            approvals={pending.data?.items}
            onDecided={(decided) => {
              setLiveStatus((current) => ({ ...current, [decided.id]: decided.status }));
              reloadRuns();
              pending.reload();
            }}
          />
        ) : (
          <Loading label="Loading runs…" />
        )}
      </section>
    </div>
  );
}
