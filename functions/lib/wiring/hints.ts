import { type FailureHints, WORKFLOW_HINTS } from '../../../shared/use-cases/workflow/fail-run.ts';

/** What FailRun tells the user after each error: the workflow's own hints and the delivery systems'. */
export const failureHints = (): FailureHints => ({
  ...WORKFLOW_HINTS,
  JenkinsCredentialsRejected:
    "Jenkins refused Wharf's credentials: an operator should check the Jenkins user and its API token.",
  JenkinsNotFound:
    'The Jenkins job Wharf builds with is missing: an operator should create it from infra/jenkins/Jenkinsfile.',
  GitHubUnauthorized:
    "GitHub refused Wharf's credentials: an operator should check the GitHub App's key or the token.",
  GitHubForbidden:
    'Wharf may not write the GitOps repository: an operator should grant Contents: read and write on it.',
  GitHubNotFound:
    'The GitOps repository is missing or hidden from Wharf: an operator should check its name and access.',
  GitOpsRepositoryNotReady:
    'The GitOps repository has no branch to commit to yet: an operator should bootstrap it (see the README).',
  ArgoCdUnauthorized:
    "Argo CD refused Wharf's token: an operator should check the token and its rights to get and sync apps.",
  JenkinsBadResponse:
    'Jenkins answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  GitHubResponseInvalid:
    'GitHub answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  ArgoCdInvalidResponse:
    'Argo CD answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
});
