import { useEffect, useState } from 'react';
import { api } from './api';

/** Fetches `path` whenever it changes; a stale answer never overwrites a newer one. */
export function useApi<T>(path: string | null, reload = 0): { data: T | null; error: string | null; loading: boolean } {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api.get<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: Error) => live && setState({ data: null, error: err.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, reload]);
  return state;
}
