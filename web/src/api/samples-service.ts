import type { SampleView } from '@shared/api.ts';
import { useMemo } from 'react';
import type { ApiClient } from './client.ts';
import { useApi } from './context.tsx';

/** The Node.js web sample (samples/node-web): a monolith on port 3000 with a readiness path. */
export const NODE_SAMPLE = { name: 'node-web', port: 3000, healthCheckPath: '/healthz' } as const;

/** The `n`th name tried for a project made from a sample: `node-web`, `node-web-2`, `node-web-3`, … */
export const sampleProjectName = (sample: string, n: number) => (n === 1 ? sample : `${sample}-${n}`);

/** The first of the sample's names no project in `taken` has. */
export function freeSampleName(sample: string, taken: ReadonlySet<string>) {
  let n = 1;
  while (taken.has(sampleProjectName(sample, n))) n++;
  return sampleProjectName(sample, n);
}

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
