// Compiles the benchmark's anchor contracts (bench/contracts) in memory, with the project's own compiler and
// settings, through Hardhat's build-system API (`hre.solidity`). They are not in `paths.sources`, so they never
// reach artifacts/, the ABI export, coverage or the test build; nothing on disk is written.
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Abi, Hex } from "viem";

export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
}

export interface BenchCompilation {
  contracts: Map<string, CompiledContract>;
  solcVersion: string;
  settings: { optimizer?: unknown; evmVersion?: string };
}

/** Compiles `files` (paths relative to the project root) and returns every contract they define, by name. */
export async function compileBenchContracts(
  hre: HardhatRuntimeEnvironment,
  files: readonly string[],
): Promise<BenchCompilation> {
  const roots = files.map((file) => path.resolve(hre.config.paths.root, file));
  const jobs = await hre.solidity.getCompilationJobs(roots, { force: true, quiet: true });
  if (!jobs.success) throw new Error(`Cannot compile the bench contracts: ${jobs.formattedReason}`);

  const contracts = new Map<string, CompiledContract>();
  let solcVersion = "";
  let settings: BenchCompilation["settings"] = {};
  for (const job of new Set(jobs.compilationJobsPerFile.values())) {
    const { output } = await hre.solidity.runCompilationJob(job, { quiet: true });
    const errors = (output.errors ?? []).filter((error) => error.severity === "error");
    if (errors.length > 0) {
      throw new Error(`Bench contracts failed to compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
    }
    solcVersion = job.solcLongVersion;
    settings = job.solcConfig.settings ?? {};
    for (const root of job.dependencyGraph.getRoots().values()) {
      for (const [name, contract] of Object.entries(output.contracts?.[root.inputSourceName] ?? {})) {
        const object = contract.evm?.bytecode?.object;
        if (object) contracts.set(name, { abi: contract.abi as Abi, bytecode: `0x${object}` });
      }
    }
  }
  return { contracts, solcVersion, settings };
}
