import path from "node:path";

/** The repository's root folder: tests run the project's own CLIs and npm scripts from there. */
export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
