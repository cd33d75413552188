// How the CLI writes amounts and shares.
import { formatEther } from "viem";

/** Wei as GBT, 4 decimals (6 for small amounts); "–" for none. */
export const gbt = (wei: bigint | string | number | null | undefined) => {
  if (wei === null || wei === undefined) return "–";
  const value = Number(formatEther(BigInt(wei)));
  return `${value.toFixed(value !== 0 && value < 0.01 ? 6 : 4)} GBT`;
};

/** Basis points as a whole percentage; "–" for none. */
export const pct = (bps: number | null | undefined) =>
  bps === null || bps === undefined ? "–" : `${(bps / 100).toFixed(0)}%`;
