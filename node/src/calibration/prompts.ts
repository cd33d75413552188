// The tasks a calibration runs: the operator's own prompts (a file), or a small default set.

/** Prompts for a calibration when none are given: short, varied (prose, code, numbers, a question, chat-like). */
export const DEFAULT_CALIBRATION_PROMPTS: readonly string[] = [
  "The quick brown fox",
  "GitBlock verifies tokens.",
  "Hello, world! 1+1=",
  "What is 2+2?",
  "Once upon a time",
  "def fibonacci(n):",
  "The capital of France is",
  "User: Write a haiku about rain.\nAssistant:",
];

/**
 * A prompts file: a JSON array of strings (prompts with line breaks), or else one prompt per line, blank lines
 * skipped.
 */
export function parsePrompts(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string" && p.length > 0)) {
      throw new Error("a JSON prompts file must be an array of non-empty strings");
    }
    return parsed;
  }
  const prompts = trimmed.split(/\r?\n/).filter((line) => line.trim().length > 0);
  if (prompts.length === 0) throw new Error("the prompts file holds no prompt");
  return prompts;
}
