import type { EnvironmentView, ProjectView } from '@shared/api.ts';
import { describe, expect, it } from 'vitest';
import { describeTrigger } from './format-env.ts';

const project = (autoDeploy: boolean) =>
  ({ type: 'monolith', autoDeploy, repository: { url: 'https://x/y.git', branch: 'main' } }) as ProjectView;
const env = (trigger: EnvironmentView['trigger']) => ({ trigger, tagPattern: 'v*.*.*' }) as EnvironmentView;

describe('what starts a deploy of an environment', () => {
  it('names the branch or the tag pattern while auto-deploy is on', () => {
    expect(describeTrigger(project(true), env('push'))).toBe('Auto-deploys on push to main');
    expect(describeTrigger(project(true), env('tag'))).toBe('Auto-deploys tags matching v*.*.*');
    expect(describeTrigger(project(true), env('manual'))).toBe('Deploys only when started by hand');
  });

  it('does not promise an auto-deploy while the project has it off', () => {
    expect(describeTrigger(project(false), env('tag'))).toBe(
      'Deploys only when started by hand (tags matching v*.*.* once auto-deploy is on)',
    );
  });
});
