// The benchmark's load generators, each in a process of its own so the relayer keeps its core: simulated honest
// nodes (sim-nodes.ts) and the hostile host (flood.ts).
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { sleep } from "./figures.ts";

export interface Worker {
  child: ChildProcess;
  /** The worker's next message of this type (its "fatal" rejects). */
  next: (type: string) => Promise<Record<string, number>>;
}

/** Simulated honest nodes in their own process (sim-nodes.ts), started on `job`. */
export const simulate = (job: Record<string, unknown>): Worker => forkWorker("sim-nodes.ts", job);

/** The hostile host (flood.ts) in its own process, from its own loopback address. */
export const startFlood = (job: Record<string, unknown>): Worker => forkWorker("flood.ts", { type: "start", ...job });

function forkWorker(script: string, job: Record<string, unknown>): Worker {
  const child = fork(path.join(import.meta.dirname, script), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Array<Record<string, number> & { type: string }> = [];
  child.on("message", (m: Record<string, number> & { type: string }) => {
    if (m.type === "error") process.stderr.write(`node error: ${JSON.stringify(m)}\n`);
    else inbox.push(m);
  });
  child.send(job);
  return {
    child,
    next: async (type) => {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type || m.type === "fatal");
        if (i >= 0) {
          const m = inbox.splice(i, 1)[0] as Record<string, number> & { type: string };
          if (m.type === "fatal") throw new Error(`simulator failed: ${JSON.stringify(m)}`);
          return m;
        }
        await sleep(20);
      }
    },
  };
}
