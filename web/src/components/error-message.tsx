import { ApiError } from '../api/client.ts';

/** 404s that mean "gone, or another tenant's": the API answers both the same way, on purpose. */
const TENANT_NOT_FOUND = new Set([
  'workspace.not_found',
  'project.not_found',
  'run.not_found',
  'release.not_found',
  'resource.not_found',
]);

/** Says what went wrong and what to do next, in words a user can act on. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (true) {
      case error.status === 0:
        return error.message;
      case error.status === 401:
        return 'Your session ended — sign in again.';
      case error.status === 403:
        return `${error.message} Ask an owner of this workspace if you need access.`;
      case error.status === 404 && TENANT_NOT_FOUND.has(error.code):
        return `${error.message} It may have been deleted, or you are not a member of its workspace.`;
      case error.status >= 500:
        return `${error.message} Try again in a moment; if it keeps failing, tell your Wharf operator.`;
      default:
        return error.message;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Something unexpected went wrong: ${message}`;
}

export function ErrorMessage({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: (() => void) | undefined;
}) {
  return (
    <div className="callout callout-error stack-sm" role="alert">
      <strong>{title}</strong>
      <p>{describeError(error)}</p>
      {onRetry && (
        <p>
          <button type="button" className="btn btn-sm" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </div>
  );
}
