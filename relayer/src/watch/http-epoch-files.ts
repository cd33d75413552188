import { epochFilePath } from "../settlement/epoch-file.ts";
import type { OpenEpochFile } from "./proposal-check.ts";

/** A relayer that did not serve an epoch's file (an HTTP error or no answer): the watcher retries it. */
export class EpochFileUnavailableError extends Error {
  override name = "EpochFileUnavailableError";
}

/**
 * Epoch files from a relayer's API (`GET <relayer>/api/epochs/:epoch/leaves`), streamed: the body is read as the
 * check consumes it. `timeoutMs` bounds the wait for the answer's headers, not the transfer (a million leaves take
 * a while).
 */
export function httpEpochFiles(relayerUrl: string, timeoutMs = 30_000): OpenEpochFile {
  const base = relayerUrl.replace(/\/+$/, "");
  return async (epoch) => {
    const url = `${base}${epochFilePath(epoch)}`;
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(), timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { signal: headersTimeout.signal });
    } catch (error) {
      throw new EpochFileUnavailableError(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new EpochFileUnavailableError(`${url}: HTTP ${response.status}`);
    }
    return response.body;
  };
}
