// `node scripts/lint/package-borders.ts [root]`: the lint rule for workspace borders (part of `npm run lint`).
// Packages import each other by name through `exports`, never by a relative path into another package's folder, and
// each package declares every package it imports. Biome has no rule that knows where a workspace ends, so this one
// reads the root package.json's workspaces and checks every TypeScript file against them. Exit 1 lists each offence.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";

interface Workspace {
  dir: string;
  name: string;
  declared: Set<string>;
}

const SKIP_DIRS = new Set(["node_modules", "dist", "artifacts", "cache", "coverage", "types", "test-results", ".git"]);
// `new URL("./…", import.meta.url)` names a file too (workers, assets); TypeScript's scanner finds the imports.
const URL_SPECIFIER = /\bnew\s+URL\(\s*["'](\.[^"']+)["']\s*,\s*import\.meta\.url/g;
const BUILTINS = new Set(builtinModules);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

function declaredPackages(manifest: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    for (const name of Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})) names.add(name);
  }
  return names;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* sourceFiles(path.join(dir, entry.name));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield path.join(dir, entry.name);
    }
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

export function checkPackageBorders(root: string): string[] {
  const rootManifest = readJson(path.join(root, "package.json"));
  const workspaces: Workspace[] = ((rootManifest.workspaces as string[] | undefined) ?? []).map((relative) => {
    const dir = path.join(root, relative);
    const manifest = readJson(path.join(dir, "package.json"));
    return { dir, name: manifest.name as string, declared: declaredPackages(manifest) };
  });
  const rootPackage: Workspace = { dir: root, name: "(root)", declared: declaredPackages(rootManifest) };
  const ownerOf = (file: string): Workspace =>
    workspaces.filter((w) => file.startsWith(w.dir + path.sep)).sort((a, b) => b.dir.length - a.dir.length)[0] ??
    rootPackage;
  const selfNames = new Set(workspaces.map((w) => w.name));

  const offences: string[] = [];
  for (const file of sourceFiles(root)) {
    const owner = ownerOf(file);
    const source = readFileSync(file, "utf8");
    const imports = ts
      .preProcessFile(source, true, true)
      .importedFiles.map((ref) => ({ specifier: ref.fileName, at: ref.pos }));
    for (const match of source.matchAll(URL_SPECIFIER))
      imports.push({ specifier: match[1] as string, at: match.index });
    for (const { specifier, at } of imports) {
      const where = `${path.relative(root, file)}:${source.slice(0, at).split("\n").length}`;
      if (specifier.startsWith(".")) {
        const target = path.resolve(path.dirname(file), specifier);
        if (ownerOf(target) !== owner) {
          const into = ownerOf(target);
          offences.push(`${where}: "${specifier}" reaches into ${into.name}; import it by package name`);
        }
        continue;
      }
      if (specifier.startsWith("node:") || BUILTINS.has(specifier) || specifier.startsWith("virtual:")) continue;
      const name = packageName(specifier.replace(/\?.*$/, ""));
      if (name === owner.name) continue;
      // The root package's own tooling may use any workspace: they are all linked at the root.
      if (owner === rootPackage && selfNames.has(name)) continue;
      if (!owner.declared.has(name) && !owner.declared.has(`@types/${name}`)) {
        offences.push(`${where}: imports "${name}", which ${owner.name}'s package.json does not declare`);
      }
    }
  }
  return offences;
}

if (import.meta.main) {
  const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "../.."));
  if (!existsSync(path.join(root, "package.json"))) throw new Error(`no package.json in ${root}`);
  const offences = checkPackageBorders(root);
  for (const offence of offences) process.stderr.write(`${offence}\n`);
  if (offences.length > 0) {
    process.stderr.write(`package borders: ${offences.length} offence(s)\n`);
    process.exitCode = 1;
  }
}
