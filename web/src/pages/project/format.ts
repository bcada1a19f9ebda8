/** Small display helpers shared by the project and run pages. */

/** `45s`, `3m 07s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export const shortSha = (sha: string | undefined) => (sha ? sha.slice(0, 12) : undefined);

/** The tag (or digest) part of an image reference, which is what differs between releases. */
export const imageName = (reference: string) => reference.split('/').at(-1) ?? reference;
