/**
 * eth_signTypedData_v4's JSON payload into what viem's signer takes: wallets receive integers as decimal strings
 * (JSON has no bigint), and viem encodes a string as text, so every integer field, however deep, becomes a bigint.
 */
import type { TypedDataDefinition } from "viem";

type Field = { name: string; type: string };
type Types = Record<string, readonly Field[]>;

function decode(type: string, value: unknown, types: Types): unknown {
  if (type.endsWith("]")) {
    const inner = type.slice(0, type.lastIndexOf("["));
    return (value as unknown[]).map((item) => decode(inner, item, types));
  }
  if (/^u?int\d*$/.test(type)) return BigInt(value as string | number | bigint);
  const fields = types[type];
  if (!fields) return value;
  const struct = value as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f.name, decode(f.type, struct[f.name], types)]));
}

export function typedDataFromJson(json: string): TypedDataDefinition {
  const payload = JSON.parse(json) as {
    types: Types;
    domain: Record<string, unknown>;
    primaryType: string;
    message: Record<string, unknown>;
  };
  const { EIP712Domain, ...types } = payload.types;
  const domain = { ...payload.domain };
  if (domain.chainId !== undefined) domain.chainId = BigInt(domain.chainId as string);
  return {
    domain,
    types,
    primaryType: payload.primaryType,
    message: decode(payload.primaryType, payload.message, types) as Record<string, unknown>,
  } as TypedDataDefinition;
}
