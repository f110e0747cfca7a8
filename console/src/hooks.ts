import { useEffect, useState } from 'preact/hooks';

/** The state of one load: its value, its error message, and a way to load again. */
export interface Loaded<T> {
  value: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * Loads `load()` when `key` changes, and again every `refreshMs` while `keepRefreshing(value)` holds (videos still
 * generating); a load that finishes after its key changed is dropped.
 */
export function useLoad<T>(
  key: string,
  load: () => Promise<T>,
  options: { refreshMs?: number; keepRefreshing?: (value: T) => boolean } = {},
): Loaded<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    load().then(
      (loaded) => {
        if (!current) return;
        setValue(loaded);
        setError(undefined);
        if (options.refreshMs && options.keepRefreshing?.(loaded)) {
          timer = setTimeout(() => setRound((n) => n + 1), options.refreshMs);
        }
      },
      (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, round]);
  return { value, error, reload: () => setRound((n) => n + 1) };
}
