/** One user action at a time, with its error as a sentence (the wallet screens show it next to the button). */
import { useCallback, useState } from "react";

export function useAsyncAction() {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setRunning(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  }, []);
  return { running, error, run, setError };
}
