// Reading the API from a page: the data, the error, whether it loads, a reload, and polling
// while something is in motion (a launch starting, a stop in progress).
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api.js";

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): Promise<void>;
}

/** `path` null: nothing to read yet. `pollMs(data)` > 0: read again after that long. */
export function useResource<T>(path: string | null, options: { pollMs?: (data: T) => number } = {}): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: path !== null });
  const pollMs = useRef(options.pollMs);
  pollMs.current = options.pollMs;
  const generation = useRef(0);

  const load = useCallback(async () => {
    if (path === null) return;
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await api<T>(path);
      if (mine === generation.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [path]);

  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: path !== null });
    void load();
    // The rule warns that a ref may point elsewhere by cleanup time, as a DOM node's does. This one
    // counts loads: bumping the count it holds then is the point, so that a load still under way
    // when the path changes or the page goes finds itself outdated and writes nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    return () => void generation.current++;
  }, [load, path]);

  const { data } = state;
  useEffect(() => {
    if (data === undefined || !pollMs.current) return;
    const delay = pollMs.current(data);
    if (delay <= 0) return;
    const timer = setTimeout(() => void load(), delay);
    return () => clearTimeout(timer);
  }, [data, load]);

  return { ...state, reload: load };
}
