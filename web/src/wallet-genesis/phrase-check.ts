/**
 * Backup confirmation: the user types back a few words of the phrase, picked at random, so a phrase that was not
 * written down is caught before it is the only copy left.
 */
export const WORDS_TO_CONFIRM = 3;

/** Distinct word positions (0-based, ascending) to ask for. */
export function pickWordsToConfirm(
  wordCount: number,
  count = WORDS_TO_CONFIRM,
  random: () => number = () => (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) / 2 ** 32,
): number[] {
  if (count > wordCount) throw new Error(`cannot ask for ${count} of ${wordCount} words`);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * wordCount));
  return [...picked].sort((a, b) => a - b);
}

/** Positions whose answer is wrong (trimmed, case-insensitive); empty when the backup is confirmed. */
export function wrongWords(phrase: string, positions: readonly number[], answers: readonly string[]): number[] {
  const words = phrase.trim().split(/\s+/);
  return positions.filter((position, i) => (answers[i] ?? "").trim().toLowerCase() !== words[position]);
}
