/**
 * What a user or operator should do about each error the Argo CD adapter raises (error name → hint),
 * for the run's failure reason. The wording about Argo CD lives here, beside the code that raises the
 * errors; the workflow merges these into its table.
 */
export const argoCdHints: Record<string, string> = {
  ArgoCdUnauthorized:
    "Argo CD refused Wharf's token: an operator should check the token and its rights to get and sync apps.",
  ArgoCdInvalidResponse:
    'Argo CD answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  ArgoCdRequestFailed:
    'Argo CD refused a request for the app (the log quotes its words): an operator should check the application in Argo CD.',
};
