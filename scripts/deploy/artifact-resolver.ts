// Ignition's view of the contracts Hardhat compiled into artifacts/, read from disk so that a deploy needs no Hardhat
// runtime (testkit and `npm start` deploy over plain viem clients).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Artifact, ArtifactResolver, BuildInfo } from "@nomicfoundation/ignition-core";

const root = path.resolve(import.meta.dirname, "../..");
// A coverage run compiles its instrumented contracts apart (hardhat.config.ts), and its tests deploy those.
const artifactsDir = path.join(
  root,
  process.env.GITBLOCK_INSTRUMENTED_ARTIFACTS === "1" ? path.join("coverage", "artifacts") : "artifacts",
);

async function* artifactFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* artifactFiles(file);
    else if (entry.name.endsWith(".json")) yield file;
  }
}

/** Resolves `contractName` to artifacts/contracts/<source>.sol/<contractName>.json (names are unique in contracts/). */
export class RepositoryArtifactResolver implements ArtifactResolver {
  #files: Promise<Map<string, string>> | undefined;

  async loadArtifact(contractName: string): Promise<Artifact> {
    return JSON.parse(await readFile(await this.#fileOf(contractName), "utf8")) as Artifact;
  }

  async getBuildInfo(contractName: string): Promise<BuildInfo | undefined> {
    const { buildInfoId } = await this.loadArtifact(contractName);
    if (buildInfoId === undefined) return undefined;
    return JSON.parse(
      await readFile(path.join(artifactsDir, "build-info", `${buildInfoId}.json`), "utf8"),
    ) as BuildInfo;
  }

  async #fileOf(contractName: string): Promise<string> {
    this.#files ??= (async () => {
      const files = new Map<string, string>();
      for await (const file of artifactFiles(path.join(artifactsDir, "contracts"))) {
        files.set(path.basename(file, ".json"), file);
      }
      return files;
    })();
    const file = (await this.#files).get(contractName);
    if (!file) throw new Error(`no artifact for ${contractName} under artifacts/contracts (run \`npx hardhat build\`)`);
    return file;
  }
}
