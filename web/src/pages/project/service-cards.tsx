import type { ServiceStatusView } from '@shared/api.ts';
import type { HealthStatus } from '@shared/deploy-ports.ts';
import type { Environment } from '@shared/naming.ts';
import { useEffect } from 'react';
import { useServices } from '../../api/services-service.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { useResource } from '../../components/use-resource.ts';
import './service-cards.css';

/** While a service is not Healthy (a rollout, a crash loop) its card is refreshed this often. */
export const SERVICES_REFRESH_MS = 5_000;

const HEALTH_TONE: Record<HealthStatus, string> = {
  Healthy: 'badge-success',
  Progressing: 'badge-accent',
  Degraded: 'badge-danger',
  Suspended: 'badge-warning',
  Missing: 'badge-warning',
  Unknown: 'badge-warning',
};

/** `registry/shop-orders@sha256:0123456789abcdef…` → `shop-orders@sha256:0123456789ab`. */
export function shortImage(reference: string): string {
  const name = reference.split('/').at(-1) ?? reference;
  const [repository = name, digest] = name.split('@');
  if (!digest) return name;
  const [algorithm, hex = ''] = digest.split(':');
  return `${repository}@${algorithm}:${hex.slice(0, 12)}`;
}

function ServiceCard({ service }: { service: ServiceStatusView }) {
  const { images } = service;
  return (
    <li className="card stack-sm" aria-label={`Service ${service.name}`}>
      <div className="row">
        <strong>{service.name}</strong>
        {service.entry && <span className="badge badge-accent">entry</span>}
        <span className={`badge ${HEALTH_TONE[service.health]}`}>{service.health}</span>
      </div>
      <p className="small">
        {service.readyReplicas}/{service.replicas} ready · {service.restarts} restart
        {service.restarts === 1 ? '' : 's'}
      </p>
      <p className="small muted">
        {images.length ? images.map((image) => <code key={image}>{shortImage(image)}</code>) : 'not running'}
      </p>
      <p className="small muted">
        <code>{service.url}</code>
      </p>
    </li>
  );
}

/**
 * One card per service of an environment, as it runs now. `version` changes when a live run event
 * of the project arrives (a rollout moves the services); while any service is not Healthy the list
 * also refreshes on an interval, and stops once all are.
 */
export function ServiceCards({
  workspaceId,
  projectId,
  environment,
  version,
}: {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  version: number;
}) {
  const services = useServices();
  const list = useResource(
    (signal) => services.list(workspaceId, projectId, environment, signal),
    [services, workspaceId, projectId, environment, version],
  );
  const unsettled = (list.data?.items ?? []).some((s) => s.health !== 'Healthy');
  const reload = list.reload;
  useEffect(() => {
    if (!unsettled) return;
    const timer = setInterval(reload, SERVICES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [unsettled, reload]);

  const headingId = `services-${environment}`;
  return (
    <section className="stack" aria-labelledby={headingId}>
      <h2 id={headingId}>Services in {environment}</h2>
      {list.error && !list.data ? (
        <ErrorMessage error={list.error} title="Services could not be loaded" onRetry={list.reload} />
      ) : list.data ? (
        <ul className="service-cards">
          {list.data.items.map((service) => (
            <ServiceCard key={service.name} service={service} />
          ))}
        </ul>
      ) : (
        <Loading label="Loading services…" />
      )}
    </section>
  );
}
