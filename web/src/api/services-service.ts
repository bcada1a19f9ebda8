import type { ServiceStatusView } from '@shared/api.ts';
import type { Environment } from '@shared/naming.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** An environment's services as they run (`GET …/environments/{env}/services`). */
export function servicesService(api: ApiClient) {
  return {
    list: (workspaceId: string, projectId: string, environment: Environment, signal?: AbortSignal) =>
      api.request<{ items: ServiceStatusView[] }>(
        'GET',
        `/workspaces/${seg(workspaceId)}/projects/${seg(projectId)}/environments/${seg(environment)}/services`,
        signal ? { signal } : {},
      ),
  };
}

export type ServicesService = ReturnType<typeof servicesService>;

export function useServices(): ServicesService {
  const api = useApi();
  return useMemo(() => servicesService(api), [api]);
}
