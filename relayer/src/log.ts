import { pino } from "pino";

/** Structured JSON logs, one object per line: on stdout for the server, on stderr for CLI commands. */
export type Logger = pino.Logger;

export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    { level, base: { service: "gitblock-relayer" }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd, sync: fd === 2 }),
  );
}
