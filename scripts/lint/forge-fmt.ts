// `node scripts/lint/forge-fmt.ts [--check] [path...]`: formats (or, with --check, checks) the Solidity files under
// the paths (default contracts/ and test/solidity/) with `forge fmt`, settings in the root foundry.toml (part of
// `npm run lint` and `npm run format`).
// The npm package @foundry-rs/forge ships the binary in one optional package per platform; its `forge` wrapper
// (bin.mjs, 1.7.1) exits 0 even when the binary exits 1, so `forge fmt --check` through it never fails. This runs
// the platform's binary itself and exits with its status.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const SOLIDITY_DIRS = ["contracts", "test/solidity"];
// Foundry names its platform packages with Go's architecture names.
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

const binary = process.platform === "win32" ? "forge.exe" : "forge";
const platformPackage = `@foundry-rs/forge-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
let forge: string;
try {
  forge = createRequire(path.join(root, "package.json")).resolve(`${platformPackage}/bin/${binary}`);
} catch {
  console.error(`forge-fmt: ${platformPackage} is not installed (no forge build for this platform?); run npm ci.`);
  process.exit(1);
}

const args = process.argv.slice(2);
const check = args.includes("--check");
const given = args.filter((arg) => arg !== "--check");
const paths =
  given.length > 0 ? given.map((arg) => path.resolve(arg)) : SOLIDITY_DIRS.map((dir) => path.join(root, dir));
// `--root` makes forge read this repository's foundry.toml wherever the files are.
const result = spawnSync(forge, ["fmt", "--root", root, ...(check ? ["--check"] : []), ...paths], { stdio: "inherit" });
if (result.error) throw result.error;
if (check && result.status !== 0) console.error("Solidity formatting differs: run `npm run format`.");
process.exit(result.status ?? 1);
