/**
 * Random draws by weight, without replacement and of distinct operators (Efraimidis–Spirakis: each candidate gets the
 * key −ln(u)/w, the smallest keys win). Random, so answering fast or sharing an address prefix buys no extra work,
 * every node is drawn in proportion to its weight, and nobody can predict who verifies a claim.
 */
export interface DrawCandidate<T> {
  item: T;
  weight: number;
  operator: string;
}

export function drawWeighted<T>(candidates: readonly DrawCandidate<T>[], count: number, random: () => number): T[] {
  if (count <= 0) return [];
  const keyed: Array<{ candidate: DrawCandidate<T>; key: number }> = [];
  for (const candidate of candidates) {
    if (!(candidate.weight > 0)) continue;
    // 1 - random() is in (0, 1]: never log(0).
    keyed.push({ candidate, key: -Math.log(1 - random()) / candidate.weight });
  }
  keyed.sort((a, b) => a.key - b.key);
  const chosen: T[] = [];
  const operators = new Set<string>();
  for (const { candidate } of keyed) {
    if (operators.has(candidate.operator)) continue;
    operators.add(candidate.operator);
    chosen.push(candidate.item);
    if (chosen.length === count) break;
  }
  return chosen;
}
