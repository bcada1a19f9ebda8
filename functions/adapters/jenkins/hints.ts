import { JenkinsErrors } from './jenkins-client.ts';

/**
 * What the user or an operator should do about each error the Jenkins adapter throws, by error name
 * (the workflow shows it under the run's reason). TransientError has no entry: its hint is the
 * workflow's own, for any delivery system.
 */
export const jenkinsHints: Record<string, string> = {
  [JenkinsErrors.credentials]:
    "Jenkins refused Wharf's credentials: an operator should check the Jenkins user and its API token, and that the user has Overall/Read and Job/Read, Build and Cancel on the job.",
  [JenkinsErrors.notFound]:
    'The Jenkins job Wharf builds with, or this run’s build in it, is missing: an operator should create the job from infra/jenkins/Jenkinsfile (and check its name in the settings). If only the build was deleted, deploy again.',
  [JenkinsErrors.badResponse]:
    'Jenkins answered in a form Wharf does not understand. Deploy again; if it repeats, an operator should check that the Jenkins URL points at Jenkins itself, not at a login page or proxy.',
  [JenkinsErrors.refused]:
    'Jenkins refused a request Wharf made: an operator should check the job (its parameters, that it is enabled) and the Jenkins log, then deploy again.',
  [JenkinsErrors.lost]:
    'Jenkins dropped the build before it started (a restart, or the queue was cleared). Deploy again.',
  [JenkinsErrors.badBuildId]:
    'Wharf could not follow this build: its id was not written by the Jenkins adapter (was the build service changed during the run?). Deploy again.',
  [JenkinsErrors.badOffset]:
    'Wharf could not carry on reading this build’s log. Deploy again; tell an operator if it repeats.',
};
