// Incremental detokenization for streams, on a byte-level detokenizer (each token one UTF-8 byte, as a byte-fallback
// vocabulary splits a character it has no token for): a split character goes out whole, never as U+FFFD.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Detokenize, IncrementalText } from "../src/engines/incremental-text.ts";

const bytes = (text: string) => [...new TextEncoder().encode(text)];
/** Decodes the bytes as a real detokenizer does: invalid or incomplete sequences become U+FFFD. */
const byteDetokenize: Detokenize = (tokens) => new TextDecoder().decode(Uint8Array.from(tokens));

function streamText(tokens: number[], detokenize: Detokenize = byteDetokenize, context: number[] = []) {
  const text = new IncrementalText(detokenize, context);
  const pieces = tokens.map((token) => text.push(token));
  return { pieces, tail: text.finish() };
}

describe("incremental detokenization", () => {
  it("emits ASCII at once and a multibyte character only when its last byte comes", () => {
    const { pieces, tail } = streamText(bytes("aé€😀b"));
    // a | é = C3 A9 | € = E2 82 AC | 😀 = F0 9F 98 80 | b
    assert.deepEqual(pieces, ["a", "", "é", "", "", "€", "", "", "", "😀", "b"]);
    assert.equal(tail, "");
    assert.ok(!pieces.join("").includes("\uFFFD"));
  });

  it("lets invalid bytes out as replacement characters after a bounded wait, and at the end", () => {
    const invalid = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x61];
    const { pieces } = streamText(invalid);
    assert.deepEqual(pieces.slice(0, 7), ["", "", "", "", "", "", ""]);
    assert.equal(pieces[7], "\uFFFD".repeat(8), "held no longer than 8 tokens");
    assert.equal(pieces[8], "a");
    const cut = streamText(bytes("é").slice(0, 1));
    assert.deepEqual([cut.pieces, cut.tail], [[""], "\uFFFD"]);
  });

  it("decodes each step after the tokens before it (prompt, prefix and what went out)", () => {
    const seen: number[][] = [];
    const spaced: Detokenize = (tokens, context) => {
      seen.push([...context]);
      // SentencePiece-like: a word token is spaced from the one before it.
      return tokens.map((t) => `${context.length > 0 ? " " : ""}w${t}`).join("");
    };
    const { pieces } = streamText([7, 8], spaced, [1, 2, 3, 4, 5]);
    assert.deepEqual(pieces, [" w7", " w8"]);
    assert.deepEqual(seen, [
      [2, 3, 4, 5],
      [3, 4, 5, 7],
    ]);
    assert.deepEqual(streamText([7], spaced).pieces, ["w7"]);
  });
});
