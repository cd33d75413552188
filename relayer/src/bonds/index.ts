// NodeBond as the relayer sees it: bonds for verifier weights (cached, last values kept while the chain is down) and
// the relayer's slash proposals.
export * from "./bond-book.ts";
