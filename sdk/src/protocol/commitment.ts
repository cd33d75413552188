/**
 * Signed commitments and reports. A generator commits to its output before any verifier is drawn, then reveals the
 * token ids; a verifier signs its report. Both are signed by the node's session key: a throwaway key the node makes at
 * sign-in and names in the EIP-712 sign-in its wallet signs (`NodeSignIn.sessionKey`), so a browser wallet signs once
 * per session, yet every commitment and report is attributable to the wallet afterwards (disputes, slashing).
 */
import { type Address, encodeAbiParameters, type Hex, keccak256, recoverMessageAddress } from "viem";
import { outputHash } from "./output-hash.ts";

export interface CommitmentFields {
  taskId: string;
  node: Address;
  /** `outputHash(tokenIds)` of the output committed to. */
  outputHash: Hex;
  tokenCount: number;
  /** 32 random bytes the generator keeps until it reveals, so the commitment hides the output. */
  salt: Hex;
}

/** keccak256(abi.encode(string taskId, address node, bytes32 outputHash, uint32 tokenCount, bytes32 salt)). */
export function commitmentHash(fields: CommitmentFields): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "address" }, { type: "bytes32" }, { type: "uint32" }, { type: "bytes32" }],
      [fields.taskId, fields.node, fields.outputHash, fields.tokenCount, fields.salt],
    ),
  );
}

/** The commitment a reveal opens: recomputed from the revealed token ids and salt. */
export function revealedCommitment(taskId: string, node: Address, tokenIds: readonly number[], salt: Hex): Hex {
  return commitmentHash({ taskId, node, outputHash: outputHash(tokenIds), tokenCount: tokenIds.length, salt });
}

export interface ReportFields {
  taskId: string;
  node: Address;
  /** `outputHash` of the claimed tokens the verifier scored. */
  claimHash: Hex;
  pass: boolean;
  /** -1 when nothing failed. */
  firstFailingPosition: number;
  nonTop1: number;
  /** The largest gap in micro-nats, rounded up (integers sign reproducibly; floats do not). */
  maxGapMicros: number;
  scored: number;
}

/** keccak256(abi.encode(string, address, bytes32, bool, int32, uint32, uint64, uint32)) over the report's fields. */
export function reportHash(fields: ReportFields): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "string" },
        { type: "address" },
        { type: "bytes32" },
        { type: "bool" },
        { type: "int32" },
        { type: "uint32" },
        { type: "uint64" },
        { type: "uint32" },
      ],
      [
        fields.taskId,
        fields.node,
        fields.claimHash,
        fields.pass,
        fields.firstFailingPosition,
        fields.nonTop1,
        BigInt(fields.maxGapMicros),
        fields.scored,
      ],
    ),
  );
}

/** micro-nats, rounded up, as signed and stored. */
export const gapMicros = (gap: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(Math.max(0, gap) * 1e6));

/** Whether `signature` over `hash` (EIP-191, the raw 32 bytes) was made by `sessionKey`. */
export async function signedBy(hash: Hex, signature: Hex, sessionKey: Address): Promise<boolean> {
  try {
    const signer = await recoverMessageAddress({ message: { raw: hash }, signature });
    return signer.toLowerCase() === sessionKey.toLowerCase();
  } catch {
    return false;
  }
}
