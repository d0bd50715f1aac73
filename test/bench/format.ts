/**
 * How the bench prints numbers: thousands separators, fixed decimals,
 * latency triples, and a three-column table (label, figure, remark) with
 * the figures right-aligned so that runs can be compared by eye.
 */
import type { Summary } from "./percentiles.js";

export type Row = readonly [string, string, string?];

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const ms = (s: Summary) => `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)} ms`;

export function table(rows: readonly Row[]): string {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}${c ? `   ${c}` : ""}`).join("\n");
}
