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

/** Resolves once the process prints `marker`; rejects if it exits first or stays silent for `timeoutMs`. */
export function waitForOutput(child: ChildProcess, marker: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${marker}":\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk;
      // Colour codes (tools colour their output when CI is set) must not split the marker.
      if (stripVTControlCharacters(output).includes(marker)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before "${marker}":\n${output}`));
    });
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
