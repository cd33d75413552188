// A tiny Llama-architecture model in GGUF v3, with seeded random weights, written at test time: no weights can be
// downloaded here, and a real engine (llama.cpp through node-llama-cpp, or wllama in the browser) still needs a real
// model file. Format: ggml's docs/gguf.md — header (magic "GGUF", version 3, tensor count u64, metadata count u64),
// metadata key/value pairs, tensor infos (name, n_dims, dims with ne[0] first, ggml type, offset into the data),
// padding to `general.alignment` (32), then the tensor data, each tensor aligned.
//
// Shape (what llama.cpp's llama loader accepts, checked with node-llama-cpp 3.21.1): 2 blocks, embedding 64,
// feed-forward 128, 4 heads (head dim 16, no GQA), context 256, RMS-norm weights 1.0, every other tensor seeded
// random. Vocabulary (226 tokens): `<unk>`, `<s>`, `</s>`, `▁` (the SentencePiece space), the 94 printable ASCII
// characters `!`…`~` (type 1, normal) and the byte tokens `<0x00>`…`<0x7F>` (type 6): the llama (SentencePiece)
// tokenizer needs byte tokens (`<0x0A>` at least, or the loader aborts), and keeping to ASCII means every generated
// text is valid UTF-8 (wllama fails otherwise). About 440 KB in F32.
//
// Siblings for verification tests: another `seed` is a substituted model; the same seed with `noise` (and a
// `noiseSeed`) perturbs every random weight slightly; `quantize: "q8_0"` stores the same weights as Q8_0 (32 int8
// values and one f16 scale per block, as llama.cpp's quantize does), the honest-but-different artifact.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export interface TinyGgufOptions {
  /** Seed of the random weights: the same seed writes the same bytes. */
  seed: number;
  /** Multiplies the random weights' spread (default 1): larger means sharper next-token distributions. */
  gain?: number;
  /** Adds `noise` × (a second random draw) to every random weight: a perturbed sibling of the same model. */
  noise?: number;
  noiseSeed?: number;
  /** Stores the matrices as Q8_0 instead of F32 (norms stay F32). */
  quantize?: "f32" | "q8_0";
  /** Written as `general.name`. */
  name?: string;
  /**
   * Another shape than the tiny one (a larger model for the verification-cost benchmark: with 2 blocks of 64, every
   * engine call's fixed overhead outweighs the arithmetic, which real models reverse). Heads must divide embedding.
   */
  shape?: Partial<GgufShape>;
}

export interface GgufShape {
  blocks: number;
  embedding: number;
  feedForward: number;
  heads: number;
  context: number;
}

export const TINY_GGUF: Readonly<GgufShape> = {
  blocks: 2,
  embedding: 64,
  feedForward: 128,
  heads: 4,
  context: 256,
};

const shapeOf = (options: TinyGgufOptions): GgufShape => ({ ...TINY_GGUF, ...options.shape });

/** Token ids of the tiny vocabulary. */
export const TINY_VOCAB = { unk: 0, bos: 1, eos: 2, space: 3, firstChar: 4, firstByte: 98 } as const;

const GGML_F32 = 0;
const GGML_Q8_0 = 8;
const ALIGNMENT = 32;

// GGUF metadata value types.
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_BOOL = 7;
const T_STRING = 8;
const T_ARRAY = 9;

type Meta =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "strings"; value: string[] }
  | { type: "f32s"; value: number[] }
  | { type: "i32s"; value: number[] };

/** The vocabulary: tokens, scores and token types (1 normal, 2 unknown, 3 control, 6 byte). */
export function tinyVocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>", "▁"];
  const types = [2, 3, 3, 1];
  for (let c = 0x21; c <= 0x7e; c++) {
    tokens.push(String.fromCharCode(c));
    types.push(1);
  }
  for (let b = 0; b < 0x80; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  // Single characters cannot merge, so scores only order the pieces; byte tokens score lowest, like SentencePiece's.
  const scores = tokens.map((_, i) => (types[i] === 6 ? -1000 : -i));
  return { tokens, scores, types };
}

/** splitmix32-style PRNG: deterministic floats in [-1, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 2 ** 31 - 1;
  };
}

interface Tensor {
  name: string;
  /** ggml order: ne[0] (the row length, contiguous) first. */
  dims: number[];
  data: Float32Array;
  type: number;
}

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;
  private push(bytes: Uint8Array) {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  u32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }
  i32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.push(b);
  }
  u64(v: number) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.push(b);
  }
  f32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }
  string(s: string) {
    const bytes = new TextEncoder().encode(s);
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(b: Uint8Array) {
    this.push(b);
  }
  pad(alignment: number) {
    const n = (alignment - (this.length % alignment)) % alignment;
    if (n > 0) this.push(new Uint8Array(n));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeMeta(w: ByteWriter, key: string, meta: Meta) {
  w.string(key);
  switch (meta.type) {
    case "u32":
      w.u32(T_UINT32);
      w.u32(meta.value);
      break;
    case "f32":
      w.u32(T_FLOAT32);
      w.f32(meta.value);
      break;
    case "bool":
      w.u32(T_BOOL);
      w.bytes(Uint8Array.of(meta.value ? 1 : 0));
      break;
    case "string":
      w.u32(T_STRING);
      w.string(meta.value);
      break;
    case "strings":
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(meta.value.length);
      for (const s of meta.value) w.string(s);
      break;
    case "f32s":
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(meta.value.length);
      for (const v of meta.value) w.f32(v);
      break;
    case "i32s":
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(meta.value.length);
      for (const v of meta.value) w.i32(v);
      break;
  }
}

/** IEEE 754 half precision, round to nearest even (what ggml's fp32→fp16 does for normal values). */
function toF16(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  if (exp >= 31) return sign | 0x7c00;
  const half = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** Q8_0: per block of 32 values, d = max|x| / 127 as f16, then round(x / d) as int8 (ggml's quantize_row_q8_0). */
function quantizeQ8_0(data: Float32Array): Uint8Array {
  const blocks = data.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(data[b * 32 + i] as number));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    view.setUint16(b * 34, toF16(d), true);
    for (let i = 0; i < 32; i++) view.setInt8(b * 34 + 2 + i, Math.round((data[b * 32 + i] as number) * id));
  }
  return out;
}

/** The tensors of the tiny model, by ggml name. */
function tinyTensors(options: TinyGgufOptions, vocab: number): Tensor[] {
  const { embedding: e, feedForward: ff, blocks } = shapeOf(options);
  const gain = options.gain ?? 1;
  const random = prng(options.seed);
  const noise = options.noise ? prng(options.noiseSeed ?? options.seed ^ 0x5bd1e995) : null;
  const quantized = options.quantize === "q8_0";
  const matrix = (name: string, cols: number, rows: number, scale: number): Tensor => {
    const data = new Float32Array(cols * rows);
    const spread = (gain * scale) / Math.sqrt(cols);
    for (let i = 0; i < data.length; i++) {
      let v = random() * spread;
      if (noise) v += (options.noise as number) * noise() * spread;
      data[i] = v;
    }
    return { name, dims: [cols, rows], data, type: quantized ? GGML_Q8_0 : GGML_F32 };
  };
  const norm = (name: string): Tensor => ({ name, dims: [e], data: new Float32Array(e).fill(1), type: GGML_F32 });
  // Embeddings at unit spread; the output projection sharper (×4), so that top-1 and top-2 are rarely near-ties.
  const tensors: Tensor[] = [matrix("token_embd.weight", e, vocab, Math.sqrt(e))];
  for (let b = 0; b < blocks; b++) {
    tensors.push(
      norm(`blk.${b}.attn_norm.weight`),
      matrix(`blk.${b}.attn_q.weight`, e, e, 1),
      matrix(`blk.${b}.attn_k.weight`, e, e, 1),
      matrix(`blk.${b}.attn_v.weight`, e, e, 1),
      matrix(`blk.${b}.attn_output.weight`, e, e, 1),
      norm(`blk.${b}.ffn_norm.weight`),
      matrix(`blk.${b}.ffn_gate.weight`, e, ff, 1),
      matrix(`blk.${b}.ffn_up.weight`, e, ff, 1),
      matrix(`blk.${b}.ffn_down.weight`, ff, e, 1),
    );
  }
  tensors.push(norm("output_norm.weight"), matrix("output.weight", e, vocab, 4));
  return tensors;
}

/** The GGUF file's bytes. */
export function tinyGguf(options: TinyGgufOptions): Buffer {
  const vocabulary = tinyVocabulary();
  const { embedding, feedForward, blocks, heads, context } = shapeOf(options);
  if (embedding % heads !== 0) throw new Error(`shape: heads (${heads}) must divide embedding (${embedding})`);
  if (options.quantize === "q8_0" && (embedding % 32 !== 0 || feedForward % 32 !== 0)) {
    throw new Error("shape: Q8_0 needs embedding and feed-forward in multiples of 32");
  }
  const tensors = tinyTensors(options, vocabulary.tokens.length);
  const meta: Array<[string, Meta]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: options.name ?? `gitblock-tiny-${options.seed}` }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["general.file_type", { type: "u32", value: options.quantize === "q8_0" ? 7 : 0 }],
    ["llama.context_length", { type: "u32", value: context }],
    ["llama.embedding_length", { type: "u32", value: embedding }],
    ["llama.block_count", { type: "u32", value: blocks }],
    ["llama.feed_forward_length", { type: "u32", value: feedForward }],
    ["llama.attention.head_count", { type: "u32", value: heads }],
    ["llama.attention.head_count_kv", { type: "u32", value: heads }],
    ["llama.rope.dimension_count", { type: "u32", value: embedding / heads }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.vocab_size", { type: "u32", value: vocabulary.tokens.length }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "strings", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "f32s", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "i32s", value: vocabulary.types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: TINY_VOCAB.unk }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: TINY_VOCAB.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: TINY_VOCAB.eos }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
  const payloads = tensors.map((t) =>
    t.type === GGML_Q8_0 ? quantizeQ8_0(t.data) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  );

  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [key, value] of meta) writeMeta(w, key, value);
  let offset = 0;
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type);
    w.u64(offset);
    const size = (payloads[i] as Uint8Array).length;
    offset += size + ((ALIGNMENT - (size % ALIGNMENT)) % ALIGNMENT);
  });
  w.pad(ALIGNMENT);
  for (const payload of payloads) {
    w.bytes(payload);
    w.pad(ALIGNMENT);
  }
  return w.toBuffer();
}

/** Writes the tiny model to `file` (creating its folder) and returns the path. */
export async function writeTinyGguf(file: string, options: TinyGgufOptions): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, tinyGguf(options));
  return file;
}
