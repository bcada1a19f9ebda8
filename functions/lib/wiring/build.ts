import type { BuildService } from '../../../shared/deploy-ports.ts';
import { createJenkinsBuildService } from '../../adapters/jenkins/jenkins-build-service.ts';
import { choice, setting } from '../config.ts';
import { platformSecret } from '../platform-secret.ts';
import { traceUpstream } from '../tracer.ts';
import { localPlatform } from './local.ts';
import { deferred, port, settings } from './ports.ts';

/** WHARF_BUILD_SERVICE=jenkins: builds through the Jenkins remote API; `local`: the local build runner. */
export const buildService = port('buildService', (): BuildService => {
  const { env, mode } = settings();
  const kind = choice(
    env,
    'WHARF_BUILD_SERVICE',
    ['local', 'jenkins'] as const,
    mode === 'local' ? 'local' : undefined,
  );
  if (kind === 'local') return localPlatform().build;
  const url = setting(env, 'WHARF_JENKINS_URL', 'the Jenkins root URL, e.g. https://ci.example.com');
  const user = setting(env, 'WHARF_JENKINS_USER', 'the Jenkins user whose API token Wharf uses');
  const job = setting(env, 'WHARF_JENKINS_JOB', 'the pipeline job running infra/jenkins/Jenkinsfile');
  // The API token is read on the first call (Secrets Manager in AWS), then reused.
  const jenkins = deferred(async () =>
    createJenkinsBuildService({
      url,
      user,
      job,
      apiToken: await platformSecret(env, 'jenkins', `the API token of Jenkins user ${user}`),
    }),
  );
  return {
    start: (request) => traceUpstream('Jenkins.start', async () => (await jenkins()).start(request)),
    poll: (buildId, offset) =>
      traceUpstream('Jenkins.poll', async () => (await jenkins()).poll(buildId, offset)),
    cancel: (buildId) => traceUpstream('Jenkins.cancel', async () => (await jenkins()).cancel(buildId)),
  };
});
