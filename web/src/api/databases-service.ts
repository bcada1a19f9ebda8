import type { CredentialReadView, CredentialsView, RotationView } from '@shared/api.ts';
import type { Environment } from '@shared/naming.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

const credentialsPath = (w: string, p: string) => `/workspaces/${seg(w)}/projects/${seg(p)}/credentials`;

/** A database project's credentials: reveal (audited by the API), who read them, rotation. */
export function databasesService(api: ApiClient) {
  return {
    /** The password and connection URLs of one environment; every call is recorded as a read. */
    credentials: (workspaceId: string, projectId: string, environment: Environment) =>
      api.request<CredentialsView>('GET', credentialsPath(workspaceId, projectId), {
        query: { environment },
      }),

    reads: (workspaceId: string, projectId: string, signal?: AbortSignal) =>
      api.request<{ items: CredentialReadView[]; nextCursor?: string }>(
        'GET',
        `${credentialsPath(workspaceId, projectId)}/reads`,
        signal ? { signal } : {},
      ),

    /** 202: the new version, and the run restarting the database when it is deployed. */
    rotate: (workspaceId: string, projectId: string, environment: Environment) =>
      api.request<RotationView>('POST', `${credentialsPath(workspaceId, projectId)}/rotate`, {
        body: { environment },
      }),
  };
}

export type DatabasesService = ReturnType<typeof databasesService>;

export function useDatabases(): DatabasesService {
  const api = useApi();
  return useMemo(() => databasesService(api), [api]);
}
