// Runs first in `npm start` and `npm test`: on a Node.js older than package.json's `engines.node` it prints one
// sentence naming the version needed and how to get it, and exits 1, instead of letting the TypeScript entry points
// fail with ERR_UNKNOWN_FILE_EXTENSION.
//
// It must itself run on old Node (12 and later): CommonJS, no `node:` specifiers, no `?.` or `??`.
// `engines.node` in package.json is the one source of truth (a plain ">=MAJOR.MINOR[.PATCH]"); `.nvmrc` names the
// major the README installs. GITBLOCK_PREFLIGHT_NODE_VERSION stands in for the running version, for its test only.

// biome-ignore lint/style/useNodejsImportProtocol: require("node:fs") needs Node >= 14.18; this runs on older Node.
const fs = require("fs");
// biome-ignore lint/style/useNodejsImportProtocol: as above.
const path = require("path");

const root = path.resolve(__dirname, "..");
const engines = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).engines || {};
const match = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(engines.node || "");
if (!match) {
  console.error(`scripts/preflight.cjs: package.json "engines.node" must read ">=MAJOR.MINOR", not ${engines.node}`);
  process.exit(1);
}
const required = [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
const found = (process.env.GITBLOCK_PREFLIGHT_NODE_VERSION || process.versions.node).replace(/^v/, "");
const have = found.split(".").map(Number);

function atLeast(a, b) {
  for (let i = 0; i < 3; i++) {
    const x = a[i] || 0;
    if (x !== b[i]) return x > b[i];
  }
  return true;
}

if (!atLeast(have, required)) {
  const wanted = match.slice(1).filter(Boolean).join(".");
  let major = "24";
  try {
    major = fs.readFileSync(path.join(root, ".nvmrc"), "utf8").trim().replace(/^v/, "") || major;
  } catch (_error) {
    // No .nvmrc: keep 24.
  }
  const pkg = `node-linux-${process.arch === "arm64" ? "arm64" : "x64"}`;
  const howTo =
    process.platform === "linux"
      ? `npm install --prefix ~/.cache/gitblock-node ${pkg}@${major} && export PATH="$HOME/.cache/gitblock-node/node_modules/${pkg}/bin:$PATH"`
      : `https://nodejs.org or \`nvm install\` (.nvmrc pins ${major})`;
  console.error(
    `GitBlock needs Node.js >= ${wanted} (found ${found}); get Node ${major} with: ${howTo} (see the README's quick start).`,
  );
  process.exit(1);
}
