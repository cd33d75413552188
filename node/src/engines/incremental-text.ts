// Streamed text, token by token. A token's text is not always whole by itself: a multibyte character split across
// byte tokens decodes to U+FFFD until its last byte comes, and a SentencePiece detokenizer spaces a token by the ones
// before it. So each step decodes the tokens whose text has not gone out yet, with the tokens before them as context,
// and holds the text back while it ends in U+FFFD: up to `MAX_HELD_TOKENS` (a UTF-8 character has at most 4 bytes),
// past which the model really produced invalid bytes and they go out as the replacement characters they decode to.

/** Decodes `tokens` as they continue after `context` (node-llama-cpp's `detokenize(tokens, false, lastTokens)`). */
export type Detokenize = (tokens: readonly number[], context: readonly number[]) => string;

const MAX_HELD_TOKENS = 8;
/** Context kept for spacing: node-llama-cpp looks at the last 3 tokens. */
const CONTEXT_TOKENS = 4;
const REPLACEMENT = "\uFFFD";

export class IncrementalText {
  private readonly detokenize: Detokenize;
  private context: number[];
  private held: number[] = [];

  /** `context`: the tokens before the first one pushed (prompt and prefix). */
  constructor(detokenize: Detokenize, context: readonly number[]) {
    this.detokenize = detokenize;
    this.context = context.slice(-CONTEXT_TOKENS);
  }

  /** The text that `token` completes: "" while a character is still split. */
  push(token: number): string {
    this.held.push(token);
    const text = this.detokenize(this.held, this.context);
    if (text.endsWith(REPLACEMENT) && this.held.length < MAX_HELD_TOKENS) return "";
    return this.release(text);
  }

  /** What is still held at the end of the stream. */
  finish(): string {
    return this.held.length > 0 ? this.release(this.detokenize(this.held, this.context)) : "";
  }

  private release(text: string): string {
    this.context = [...this.context, ...this.held].slice(-CONTEXT_TOKENS);
    this.held = [];
    return text;
  }
}
