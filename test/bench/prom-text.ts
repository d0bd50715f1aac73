/**
 * Reading a number out of a Prometheus text exposition (/metrics of the
 * control plane and the gateway), so the bench can say where the time went
 * (RPC and POST durations, attempts by outcome) without a Prometheus. Only
 * what the bench needs: samples matched by name and a subset of labels,
 * summed (so `attempts_total` without labels is every outcome). Pure.
 */

/** One sample line: `name{a="x",b="y"} value` or `name value` (no timestamps: prom-client writes none). */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (text) for (const m of text.matchAll(LABEL)) labels.set(m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c)));
  return labels;
}

/** The sum of the samples named `name` whose labels include all of `labels`; 0 when there is none. */
export function promValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m || m[1] !== name) continue;
    const have = labelsOf(m[2]);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Mean of a histogram (sum / count, × `scale`), for the samples matching `labels`; 0 when it has none. */
export function promMean(text: string, histogram: string, labels: Record<string, string> = {}, scale = 1): number {
  const count = promValue(text, `${histogram}_count`, labels);
  return count > 0 ? (promValue(text, `${histogram}_sum`, labels) / count) * scale : 0;
}
