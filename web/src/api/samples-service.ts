import { useMemo } from 'react';
import type { ApiClient } from './client.ts';
import { useApi } from './context.tsx';

/** A sample repository the local platform serves over git (`GET /api/samples`, local mode only). */
export interface Sample {
  name: string;
  /** The clone URL, e.g. http://localhost:8080/git/node-web.git */
  url: string;
  /** The first line of the sample's README. */
  description: string;
}

/** The Node.js web sample (samples/node-web): a monolith on port 3000 with a readiness path. */
export const NODE_SAMPLE = { name: 'node-web', port: 3000, healthCheckPath: '/healthz' } as const;

export function samplesService(api: ApiClient) {
  return {
    list: (signal?: AbortSignal) =>
      api.request<{ items: Sample[] }>('GET', '/samples', signal ? { signal } : {}),
  };
}

export type SamplesService = ReturnType<typeof samplesService>;

export function useSamples(): SamplesService {
  const api = useApi();
  return useMemo(() => samplesService(api), [api]);
}
