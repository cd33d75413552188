/** A worker global scope: what the worker entry needs of `self`. */
export interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** web-llm's `WebWorkerMLCEngineHandler`: handles one message from the main thread. */
export interface WorkerHandler {
  onmessage(event: MessageEvent): void;
}

/**
 * Routes the worker's messages to the handler. A message that makes the handler throw is answered with an error
 * reply (web-llm's message shape: `{ kind: "throw", uuid, content }`) instead of killing the worker, so the engine
 * on the page rejects that one request and stays usable.
 */
export function installWorkerHandler(scope: WorkerScope, handler: WorkerHandler): void {
  scope.onmessage = (event: MessageEvent) => {
    try {
      handler.onmessage(event);
    } catch (error) {
      const uuid = (event.data as { uuid?: unknown } | null)?.uuid;
      scope.postMessage({ kind: "throw", uuid, content: error instanceof Error ? error.message : String(error) });
    }
  };
}
