/** A spinner with its words next to it: screen readers hear the words, the spinner is decoration. */
export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

/** Full-page variant, for the moments before the shell exists (reading the session). */
export function PageLoading({ label = 'Loading Wharf…' }: { label?: string }) {
  return (
    <div className="welcome">
      <Loading label={label} />
    </div>
  );
}
