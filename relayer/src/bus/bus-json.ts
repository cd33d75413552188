/**
 * JSON on the bus, bigints included (rewards, prices): a bigint travels as `{"$bigint":"123"}`. The frames the relayer
 * sends nodes carry amounts as strings already; events (`rewardWei`) do not.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeBusJson = (value: unknown): Uint8Array =>
  encoder.encode(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? { $bigint: item.toString() } : item)),
  );

export const decodeBusJson = (data: Uint8Array): unknown =>
  JSON.parse(decoder.decode(data), (_key, item: unknown) =>
    typeof item === "object" && item !== null && typeof (item as { $bigint?: unknown }).$bigint === "string"
      ? BigInt((item as { $bigint: string }).$bigint)
      : item,
  );
