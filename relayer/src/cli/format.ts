import { toJson } from "@gitblock/sdk";

/** Prints `value` as JSON (for --json) or as aligned text rows. */
export function output(value: unknown, json: boolean, text: () => string): void {
  process.stdout.write(json ? `${toJson(value)}\n` : `${text()}\n`);
}

export function table(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return "(none)";
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => (v === null || v === undefined ? "-" : typeof v === "bigint" ? v.toString() : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join("\n");
}

/** wei → GBT with up to 6 decimals, for people. */
export function gbt(wei: bigint | null | undefined): string {
  if (wei === null || wei === undefined) return "-";
  const whole = wei / 10n ** 18n;
  const fraction = ((wei % 10n ** 18n) / 10n ** 12n).toString().padStart(6, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

export const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : "-");
