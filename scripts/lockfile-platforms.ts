// Run after `npm install` changes package-lock.json (npm run lockfile:platforms).
//
// The registry this project installs from serves only the Linux x64 builds of packages that ship one binary per
// platform (Biome, Hardhat's EDR, esbuild, Rollup...): the other platforms' optional packages answer 404, so
// `npm install` leaves them out of the lock, and `npm ci` then rejects the lock as out of sync with package.json.
// Listing them as optional entries (no tarball) keeps the lock complete: `npm ci` accepts it and skips them.
//
//   npm run lockfile:platforms                  complete package-lock.json in place
//   npm run lockfile:platforms -- --check       exit 1, changing nothing, when entries are missing
//   … --lockfile <file>                         work on another lock file
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
}

const { values: args } = parseArgs({ options: { check: { type: "boolean" }, lockfile: { type: "string" } } });
const file = path.resolve(args.lockfile ?? path.join(import.meta.dirname, "../package-lock.json"));
const lock = JSON.parse(await readFile(file, "utf8")) as { packages: Record<string, LockEntry> };
const packages = lock.packages;

/** Where npm would look for `name` required from `from`: nested first, then each ancestor, then the root. */
function isResolvable(from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) return true;
    const cut = base.lastIndexOf("/node_modules/");
    if (base === "") return false;
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

const added: string[] = [];
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (isResolvable(location, name)) continue;
    packages[`node_modules/${name}`] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added.push(`${name}@${version}`);
  }
}
const name = path.basename(file);
if (!args.check) {
  await writeFile(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    `${name}: ${added.length} optional platform packages listed${added.length ? ` (${added.join(", ")})` : ""}`,
  );
} else if (added.length > 0) {
  console.error(`${name} lacks ${added.length} optional platform packages: ${added.join(", ")}`);
  console.error("run `npm run lockfile:platforms`, or `npm ci` will reject the lock");
  process.exitCode = 1;
} else {
  console.log(`${name}: every optional platform package is listed`);
}
