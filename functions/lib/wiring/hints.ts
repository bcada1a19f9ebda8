import { type FailureHints, WORKFLOW_HINTS } from '../../../shared/use-cases/workflow/fail-run.ts';
import { argoCdHints } from '../../adapters/argocd/hints.ts';
import { githubHints } from '../../adapters/github/hints.ts';
import { jenkinsHints } from '../../adapters/jenkins/hints.ts';

/** What FailRun tells the user after each error: the workflow's own hints and each delivery system's. */
export const failureHints = (): FailureHints => ({
  ...WORKFLOW_HINTS,
  ...jenkinsHints,
  ...githubHints,
  ...argoCdHints,
});
