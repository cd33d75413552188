// Run after `npm install` changes package-lock.json (npm run lockfile:platforms).
//
// The registry this project installs from serves only the Linux x64 builds of packages that ship one binary per
// platform (Biome, Hardhat's EDR, esbuild, Rollup...): the other platforms' optional packages answer 404, so
// `npm install` leaves them out of the lock, and `npm ci` then rejects the lock as out of sync with package.json.
// Listing them as optional entries (no tarball) keeps the lock complete: `npm ci` accepts it and skips them.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
}

const file = path.resolve(import.meta.dirname, "../package-lock.json");
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

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (isResolvable(location, name)) continue;
    packages[`node_modules/${name}`] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
await writeFile(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} optional platform packages listed`);
