import { allowedNonTop1 } from "@gitblock/sdk";

/**
 * A trap for verifiers that pass claims without scoring them: a copy of a real claim with M + 1 positions replaced by
 * another token of the same claim (so the ids look like the model's own). An honest verifier fails it — that many
 * substituted tokens are all top-1 or near-ties only by extraordinary chance — and one that passes it was wrong.
 * Null when the claim is too short or too uniform to alter.
 */
export function alterClaim(
  tokenIds: readonly number[],
  random: () => number,
  rule: { nonTop1Share?: number; minNonTop1?: number },
): number[] | null {
  const changes = allowedNonTop1(tokenIds.length, rule) + 1;
  if (tokenIds.length < changes || new Set(tokenIds).size < 2) return null;
  const altered = [...tokenIds];
  const positions = new Set<number>();
  while (positions.size < changes) positions.add(Math.floor(random() * tokenIds.length));
  for (const position of positions) {
    const original = altered[position] as number;
    let replacement = original;
    for (let tries = 0; tries < 32 && replacement === original; tries++) {
      replacement = tokenIds[Math.floor(random() * tokenIds.length)] as number;
    }
    if (replacement === original) return null;
    altered[position] = replacement;
  }
  return altered;
}
