import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

import { REPO_ROOT } from "./repo.ts";

export const NODE_CLI = path.join(REPO_ROOT, "node/src/cli/node.ts");
export const SIM_CLI = path.join(REPO_ROOT, "sim/src/cli.ts");
/** `node --import CRASH_PRELOAD …` with `GITBLOCK_TEST_CRASH_AFTER=<step>`: SIGKILL at that settlement step. */
export const CRASH_PRELOAD = path.join(REPO_ROOT, "testkit/src/crash-preload.ts");

/** A CLI process whose stdout lines are collected; `line()` waits for one that matches. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  private waiters: Array<() => void> = [];

  constructor(script: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
    this.child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffer = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.child.once("exit", () => {
      if (buffer) this.lines.push(buffer);
      for (const wake of this.waiters.splice(0)) wake();
    });
    if (input !== undefined) this.child.stdin?.end(input);
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async line(match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.lines.length; seen++) {
        const line = this.lines[seen] as string;
        if (match(line)) return line;
      }
      if (this.exited) throw new Error(`process exited (${this.child.exitCode}) first:\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${timeoutMs} ms:\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** JSON lines (`--json`) with `event` equal to `event`, parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: JSON lines are checked field by field by the tests
  async event(event: string, where: (e: any) => boolean = () => true, timeoutMs = 60_000): Promise<any> {
    const line = await this.line((l) => {
      if (!l.startsWith("{")) return false;
      const parsed = JSON.parse(l);
      return parsed.event === event && where(parsed);
    }, timeoutMs);
    return JSON.parse(line);
  }

  output(): string {
    return `${this.lines.join("\n")}\n--- stderr ---\n${this.stderr}`;
  }

  async exit(timeoutMs = 60_000): Promise<number | null> {
    if (!this.exited) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`process did not exit:\n${this.output()}`)), timeoutMs);
        this.child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.child.exitCode;
  }

  async stop(): Promise<number | null> {
    if (!this.exited) this.child.kill("SIGTERM");
    return this.exit();
  }
}

/** Runs a CLI to its end; returns exit code and output. */
export async function runCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const cli = new CliProcess(script, args, env, input ?? "");
  const code = await cli.exit(60_000);
  return { code, stdout: cli.lines.join("\n"), stderr: cli.stderr };
}
