import { invalid } from './errors.ts';

/**
 * A repository-relative path of the GitOps repository, for every adapter that writes one (local git,
 * GitHub): no leading slash, no `.`/`..` segments, nothing inside `.git`.
 */
export function normalizeRepositoryPath(path: string): string {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const parts = clean.split('/');
  if (
    !clean ||
    /[\0\n\r\\]/.test(clean) ||
    parts.some((part) => !part || part === '.' || part === '..' || part.toLowerCase() === '.git')
  ) {
    throw invalid('gitops.invalid_path', `"${path}" is not a path inside the GitOps repository.`);
  }
  return clean;
}
