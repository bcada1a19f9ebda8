/**
 * What a user or operator should do about each error the GitHub adapter raises (error name → hint),
 * for the run's failure reason. The wording about GitHub lives here, beside the code that raises the
 * errors; the workflow merges these into its table.
 */
export const githubHints: Record<string, string> = {
  GitHubUnauthorized:
    "GitHub refused Wharf's credentials: an operator should check the GitHub App's key or the token.",
  GitHubForbidden:
    'Wharf may not write the GitOps repository: an operator should grant Contents: read and write on it.',
  GitHubNotFound:
    'The GitOps repository is missing or hidden from Wharf: an operator should check its name and access.',
  GitOpsRepositoryNotReady:
    'The GitOps repository has no branch to commit to yet: an operator should bootstrap it (see the README).',
  GitHubResponseInvalid:
    'GitHub answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  GitHubRequestFailed:
    'GitHub refused the GitOps commit (the log quotes why). Deploy again; tell an operator if it repeats.',
  GitOpsChangeRejected:
    'GitHub would not take this change to the GitOps repository (the log says why): an operator should look at the folder it names.',
};
