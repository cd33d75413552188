/**
 * Display formatting, one helper per kind of value so every page writes the same unit the same way: GBT amounts
 * (`formatGbtAmount`, "1.5 GBT"), percentages (`formatBps`, `formatShare`), counts of tasks (`formatTasks`), rates
 * (`formatRate`, "/h"), milliseconds (`formatMs`), seconds (`formatSeconds`), task ids and addresses.
 */

const WEI = 10n ** 18n;

/** Parses a wei amount given as bigint, decimal string or number; anything else is 0. */
export function toWei(value: bigint | string | number | null | undefined): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  return 0n;
}

/** A positive GBT amount as a person types it ("12", "0.5", ".25"), in wei; null when it is not one. */
export function parseGbt(text: string): bigint | null {
  const match = /^(\d*)(?:\.(\d{1,18}))?$/.exec(text.trim());
  if (!match || (!match[1] && !match[2])) return null;
  const wei = BigInt(match[1] || "0") * WEI + BigInt((match[2] ?? "").padEnd(18, "0") || "0");
  return wei > 0n ? wei : null;
}

/**
 * GBT with thousands separators and up to `decimals` fraction digits, rounded down (never shows more than is there).
 * `formatGbt(1234567890000000000000n)` → "1,234.5678".
 */
export function formatGbt(value: bigint | string | number | null | undefined, decimals = 4): string {
  const wei = toWei(value);
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / WEI;
  const scale = 10n ** BigInt(18 - decimals);
  const fraction = decimals > 0 ? ((abs % WEI) / scale).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = fraction ? `${wholeText}.${fraction}` : wholeText;
  if (text === "0" && abs > 0n && decimals > 0) return `${negative ? "> -" : "< "}0.${"0".repeat(decimals - 1)}1`;
  return negative ? `-${text}` : text;
}

/** Basis points as a percentage: 9_850 → "98.5%". */
export function formatBps(bps: number, digits = 1): string {
  const pct = bps / 100;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(digits)}%`;
}

/** A GBT amount with its unit: "1,234.5678 GBT". */
export function formatGbtAmount(value: bigint | string | number | null | undefined, decimals = 4): string {
  return `${formatGbt(value, decimals)} GBT`;
}

/**
 * A share (0..1) as a whole percentage; a share above 0 that rounds to 0 reads "< 1%", so work done never shows as
 * none (a simulated or short task is a small part of a daily allowance).
 */
export function formatShare(share: number): string {
  if (!Number.isFinite(share) || share <= 0) return "0%";
  if (share < 0.005) return "< 1%";
  return `${Math.round(Math.min(1, share) * 100)}%`;
}

/** "1 task", "1,320 tasks". */
export function formatTasks(count: number): string {
  return `${formatCount(count)} ${count === 1 ? "task" : "tasks"}`;
}

/** Milliseconds: "42 ms". */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : "—";
}

/**
 * A rate of tasks, honest about how long it was measured: an hourly rate only once `minSpanMs` (10 min) of activity
 * backs it; before that the plain count and its window ("22 tasks in the last 2 min"), never 22 tasks of one
 * minute extrapolated to "1,320/h".
 */
export function formatRate(rate: { count: number; spanMs: number }, minSpanMs = 600_000): string {
  if (rate.count === 0) return "0 tasks/h";
  if (rate.spanMs >= minSpanMs) return `${formatCount((rate.count * 3_600_000) / rate.spanMs)} tasks/h`;
  return `${formatTasks(rate.count)} in the last ${Math.max(1, Math.ceil(rate.spanMs / 60_000))} min`;
}

/** Whole numbers with separators: 12345 → "12,345". */
export function formatCount(value: number | bigint | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "0";
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "bigint"
    ? n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")
    : Math.round(n).toLocaleString("en-US");
}

/** Seconds as "1h 02m", "4m 05s", "12.3 s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(s % 60).padStart(2, "0")}s`;
}

/** Time left until `untilMs` as "23h 59m 10s" (or "0s"). */
export function formatCountdown(untilMs: number, nowMs: number): string {
  const left = Math.max(0, Math.floor((untilMs - nowMs) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m ${String(s).padStart(2, "0")}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** 0x1234…abcd */
export function shortAddress(address: string | null | undefined): string {
  if (!address) return "";
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/**
 * A task id short enough for a table cell. The relayer's ids are 12 hex digits of creation time then 12 random
 * ones (relayer/src/scheduler/scheduler.ts newTaskId), so a prefix is the same for every task made in the same
 * minutes; the last 8 random digits tell them apart. Ids of another shape keep their last 8 characters too.
 */
export function shortTaskId(id: string | null | undefined): string {
  if (!id) return "";
  return id.length > 8 ? id.slice(-8) : id;
}

/** Bytes as "1.2 GB", "350 MB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} B`;
}

/** Greeting by local hour. */
export function greeting(hour: number): string {
  if (hour < 5) return "Good night";
  if (hour < 12) return "Good morning";
  if (hour < 18) return "Good afternoon";
  return "Good evening";
}

/**
 * How a node's reward splits, with the user's own numbers: for a gross amount, 75% to the node (plus the 10% bonus on
 * that share above 70% reputation), 25% to the network treasury. Integer wei, rounded down like the relayer.
 */
export function rewardSplit(grossWei: bigint, reputationBps: number) {
  const node = (grossWei * 7_500n) / 10_000n;
  const network = grossWei - node;
  const bonus = reputationBps > 7_000 ? (node * 1_000n) / 10_000n : 0n;
  return { node, network, bonus, total: node + bonus };
}
