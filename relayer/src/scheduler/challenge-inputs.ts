/**
 * Inputs for challenges and liveness probes. A challenge must be indistinguishable from a job by every field, so its
 * input is generated fresh for each challenge (never a reused pool: a reused input and its answer become known) from
 * the same distribution as the jobs. The relayer cannot see that distribution's source — users write jobs — so the
 * operator supplies it: a corpus of prompts resembling its traffic (`challengeInputs`), recombined here so no two
 * challenges repeat; the fleet simulator and tests pass the generator their jobs come from. The known answer is not
 * stored: the dispute tier's reference verifier scores the generator's claim, which is what makes it a known answer.
 */
export interface ChallengeInputs {
  next(random: () => number): string;
}

const DEFAULT_CORPUS = [
  "Summarize the main idea of the following paragraph in one sentence.",
  "Write a short poem about the sea at night.",
  "Explain how a hash function differs from encryption.",
  "List three ways to reduce energy use at home.",
  "Translate into French: the weather is nice today.",
  "What is the capital of Australia, and why is it not Sydney?",
  "Give a recipe for a simple tomato soup.",
  "Describe the water cycle to a ten-year-old.",
  "Write a haiku about autumn leaves.",
  "Explain what a Merkle tree is used for.",
  "Suggest a name for a small coffee shop near a park.",
  "What are the rules of tic-tac-toe?",
];

/** Sentences drawn from a corpus and joined (1–3 of them), so the space of inputs is large and none repeats often. */
export function corpusInputs(corpus: readonly string[] = DEFAULT_CORPUS): ChallengeInputs {
  if (corpus.length === 0) throw new RangeError("a challenge corpus needs at least one prompt");
  return {
    next(random) {
      const parts = 1 + Math.floor(random() * 3);
      const chosen: string[] = [];
      for (let i = 0; i < parts; i++) chosen.push(corpus[Math.floor(random() * corpus.length)] as string);
      return chosen.join(" ");
    },
  };
}
