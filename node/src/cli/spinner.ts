/**
 * Progress for a wait of unknown length on stderr (stdout stays the result, for scripts): a spinner on a terminal,
 * else the line once, so that logs show what the command was waiting on.
 */
export function spinner(text: string, stream: NodeJS.WriteStream = process.stderr): { stop(final?: string): void } {
  if (!stream.isTTY) {
    stream.write(`${text}\n`);
    return { stop: (final) => final && stream.write(`${final}\n`) };
  }
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let frame = 0;
  const draw = () => stream.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${text}`);
  draw();
  const timer = setInterval(draw, 80);
  return {
    stop(final) {
      clearInterval(timer);
      stream.write(`\r\x1b[2K${final ? `${final}\n` : ""}`);
    },
  };
}
