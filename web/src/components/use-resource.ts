import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  /** True while a request is in flight (also during a reload that keeps the previous data). */
  loading: boolean;
  reload(): void;
  /** Replace the data after a write that returned the new state. */
  setData(data: T): void;
}

/**
 * Loads data for a component and reloads it when `deps` change or `reload()` is called. A newer load
 * aborts the older one, so a late answer never overwrites a fresher one; on `reload()` the previous
 * data stays on screen until the new one arrives.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depsRef = useRef<DependencyList>(deps);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    const controller = new AbortController();
    // New deps mean other data (another workspace, another project): don't show the old one meanwhile.
    const changed =
      deps.length !== depsRef.current.length || deps.some((d, i) => !Object.is(d, depsRef.current[i]));
    depsRef.current = deps;
    setState((s) =>
      changed ? { data: undefined, error: undefined, loading: true } : { ...s, loading: true },
    );
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const setData = useCallback((data: T) => setState({ data, error: undefined, loading: false }), []);
  return { ...state, reload, setData };
}
