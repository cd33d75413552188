// @gitblock/node/calibration: measuring honest cross-engine agreement for a model artifact, and the δ it recommends.
export * from "./gguf.ts";
export * from "./measure.ts";
export * from "./prompts.ts";
export * from "./report.ts";
