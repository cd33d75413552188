import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { REPO_ROOT as root } from "./repo.ts";

const hardhatCli = path.join(root, "node_modules/hardhat/dist/src/cli.js");

/** Runs a Node script with this Node binary directly (no npx/sh wrappers), so killing the child kills the program. */
export function spawnNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = root,
): ChildProcess {
  return spawn(process.execPath, [path.resolve(root, script), ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs the Hardhat CLI (see `spawnNode`). */
export function spawnHardhat(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawnNode(hardhatCli, args, env);
}

/** Runs an npm script from the repository root exactly as the README writes it (`npm run <name> -- …`). */
export function spawnNpm(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn("npm", args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Resolves once the process prints `marker` on `stream` (one stream only: stdout and stderr are separate pipes
 * whose chunks can arrive in any order relative to each other, so a marker on one says nothing about the other);
 * rejects if it exits first or the marker does not come within `timeoutMs`. Prefer a readiness endpoint
 * (`waitForHttp`, `waitForRpc`) when the process has one.
 */
export function waitForOutput(
  child: ChildProcess,
  marker: string,
  { stream = "stdout", timeoutMs = 60_000 }: { stream?: "stdout" | "stderr"; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const source = child[stream];
    if (!source) {
      reject(new Error(`the process's ${stream} is not a pipe`));
      return;
    }
    const done = () => {
      clearTimeout(timer);
      source.off("data", onData);
      child.off("exit", onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for "${marker}" on ${stream}:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk;
      // Colour codes (tools colour their output when CI is set) must not split the marker.
      if (stripVTControlCharacters(output).includes(marker)) {
        done();
        resolve(output);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`process exited with ${code} before "${marker}" on ${stream}:\n${output}`));
    };
    source.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Runs to completion and returns exit code and combined output. */
export async function runToEnd(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
