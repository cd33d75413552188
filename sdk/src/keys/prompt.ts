import { createInterface } from "node:readline";
import { KeyError } from "../errors.ts";

/** Lines of a piped stdin, read once and handed out in order (several prompts read one pipe). */
let pipedLines: { lines: string[]; waiters: Array<(line: string | null) => void>; closed: boolean } | null = null;

function nextPipedLine(): Promise<string | null> {
  if (!pipedLines) {
    const state = { lines: [] as string[], waiters: [] as Array<(line: string | null) => void>, closed: false };
    pipedLines = state;
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on("line", (line) => {
      const waiter = state.waiters.shift();
      if (waiter) waiter(line);
      else state.lines.push(line);
    });
    rl.on("close", () => {
      state.closed = true;
      for (const waiter of state.waiters.splice(0)) waiter(null);
    });
  }
  const state = pipedLines;
  const line = state.lines.shift();
  if (line !== undefined) return Promise.resolve(line);
  if (state.closed) return Promise.resolve(null);
  return new Promise((resolve) => state.waiters.push(resolve));
}

/**
 * Asks for a secret on the terminal without echoing it. Without a terminal (a pipe), reads the next line of stdin.
 * The prompt goes to stderr so stdout stays clean for scripts.
 */
export async function promptSecret(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    process.stderr.write(question);
    const line = await nextPipedLine();
    process.stderr.write("\n");
    if (line === null) throw new KeyError("no input on stdin");
    return line;
  }
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  let muted = false;
  // Echo nothing of what is typed; only the prompt is written.
  const writable = rl as unknown as { _writeToOutput: (s: string) => void };
  writable._writeToOutput = (s: string) => {
    if (!muted) process.stderr.write(s);
  };
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
    rl.once("close", () => {
      if (!answered) reject(new KeyError("no input"));
    });
    rl.once("SIGINT", () => {
      rl.close();
      reject(new KeyError("cancelled"));
    });
  });
}
