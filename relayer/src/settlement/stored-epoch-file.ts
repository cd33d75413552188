import type { EpochRecord, EpochStatus, Store } from "../store/types.ts";
import { type EpochFileHeader, headerLine, leafLine } from "./epoch-file.ts";
import { leafState } from "./leaf-state.ts";

/**
 * Epochs whose file is public: from the moment the proposal is signed. Before that the leaves may still change (the
 * emission is capped again before a proposal); from then on they are fixed, so the bytes served match the
 * `contentHash` on-chain. A vetoed epoch keeps its file until the operator proposes it again, which may rebuild it
 * (and then its `contentHash` changes with it).
 */
const PUBLISHED: ReadonlySet<EpochStatus> = new Set(["proposing", "proposed", "final", "vetoed"]);

/** Leaves read from the store per page: one query and one chunk of about 500 KiB each. */
const PAGE_LEAVES = 2_000;

/** The file's header, or null when the epoch's file is not published (not proposed yet). */
export function publishedHeader(record: EpochRecord): EpochFileHeader | null {
  if (!PUBLISHED.has(record.status)) return null;
  if (!record.root || record.cumulativeTotal === null || record.networkShare === null || record.leafCount === null) {
    return null;
  }
  return {
    epoch: record.epoch,
    root: record.root,
    cumulativeTotal: record.cumulativeTotal,
    networkShare: record.networkShare,
    leafCount: record.leafCount,
  };
}

/** The epoch file as chunks of text, a page of leaves at a time from the store (never the whole file in memory). */
export async function* storedEpochFile(store: Store, header: EpochFileHeader): AsyncGenerator<string> {
  yield headerLine(header);
  for (let from = 0; from < header.leafCount; from += PAGE_LEAVES) {
    const page = await store.epochLeavesPage(header.epoch, from, PAGE_LEAVES);
    let chunk = "";
    for (const leaf of page) chunk += leafLine(leafState(leaf));
    yield chunk;
    if (page.length < PAGE_LEAVES) break;
  }
}
