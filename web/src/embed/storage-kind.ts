/**
 * Whether this frame's storage is the in-memory stand-in that public/storage-fallback.js puts in place where the
 * browser blocks third-party storage: then whatever is kept (a created wallet's key above all) ends with the visit.
 */
export function storageInMemory(scope: object = window): boolean {
  return (scope as { gitblockStorageInMemory?: unknown }).gitblockStorageInMemory === true;
}
