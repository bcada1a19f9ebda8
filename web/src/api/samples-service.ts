import type { SampleView } from '@shared/api.ts';
import { useMemo } from 'react';
import type { ApiClient } from './client.ts';
import { useApi } from './context.tsx';

/** The Node.js web sample (samples/node-web): a monolith on port 3000 with a readiness path. */
export const NODE_SAMPLE = { name: 'node-web', port: 3000, healthCheckPath: '/healthz' } as const;

export function samplesService(api: ApiClient) {
  return {
    list: (signal?: AbortSignal) =>
      api.request<{ items: SampleView[] }>('GET', '/samples', signal ? { signal } : {}),
  };
}

export type SamplesService = ReturnType<typeof samplesService>;

export function useSamples(): SamplesService {
  const api = useApi();
  return useMemo(() => samplesService(api), [api]);
}
