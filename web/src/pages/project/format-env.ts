import type { EnvironmentView, ProjectView } from '@shared/api.ts';

/** `sha256:0123456789ab`: enough of a digest to compare two environments at a glance. */
export const shortDigest = (digest: string) => {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return `${algorithm ? `${algorithm}:` : ''}${(hex ?? '').slice(0, 12)}`;
};

/** How an environment gets new releases on its own, in words. */
export function describeTrigger(project: ProjectView, environment: EnvironmentView): string {
  // The trigger only acts while the project's auto-deploy (the webhook switch) is on.
  if (environment.trigger !== 'manual' && !('autoDeploy' in project && project.autoDeploy)) {
    return `Deploys only when started by hand (${environment.trigger === 'tag' ? `tags matching ${environment.tagPattern}` : 'pushes'} once auto-deploy is on)`;
  }
  switch (environment.trigger) {
    case 'push':
      return 'repository' in project
        ? `Auto-deploys on push to ${project.repository.branch}`
        : 'Auto-deploys on push';
    case 'tag':
      return `Auto-deploys tags matching ${environment.tagPattern}`;
    default:
      return 'Deploys only when started by hand';
  }
}
