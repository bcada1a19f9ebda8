import type { BuildService } from '../../../shared/deploy-ports.ts';
import { createJenkinsBuildService } from '../../adapters/jenkins/jenkins-build-service.ts';
import { setting } from '../config.ts';
import { platformSecret } from '../platform-secret.ts';
import { deferred, productionAdapters } from './registry.ts';

/** WHARF_BUILD_SERVICE=jenkins: builds through the Jenkins remote API. */
export function jenkinsBuildService(env: NodeJS.ProcessEnv): BuildService {
  const url = setting(env, 'WHARF_JENKINS_URL', 'the Jenkins root URL, e.g. https://ci.example.com');
  const user = setting(env, 'WHARF_JENKINS_USER', 'the Jenkins user whose API token Wharf uses');
  const job = setting(env, 'WHARF_JENKINS_JOB', 'the pipeline job running infra/jenkins/Jenkinsfile');
  const service = deferred(async () =>
    createJenkinsBuildService({
      url,
      user,
      job,
      apiToken: await platformSecret(env, 'jenkins', `the API token of Jenkins user ${user}`),
    }),
  );
  return {
    start: async (request) => (await service()).start(request),
    poll: async (buildId, offset) => (await service()).poll(buildId, offset),
    cancel: async (buildId) => (await service()).cancel(buildId),
  };
}

productionAdapters.jenkins = jenkinsBuildService;
