type Listener = (...args: unknown[]) => void;

/** A tiny typed event emitter that runs in browsers and Node alike (no `node:events`). */
export class Emitter<M extends { [K in keyof M]: unknown[] }> {
  private readonly listeners = new Map<keyof M, Set<Listener>>();

  on<K extends keyof M>(event: K, listener: (...args: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as unknown as Listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof M>(event: K, listener: (...args: M[K]) => void): () => void {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof M>(event: K, listener: (...args: M[K]) => void): void {
    this.listeners.get(event)?.delete(listener as unknown as Listener);
  }

  protected emit<K extends keyof M>(event: K, ...args: M[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as (...a: M[K]) => void)(...args);
      } catch (error) {
        // A throwing listener must not break the protocol loop; report it asynchronously.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
