// Reads Prometheus' text exposition format (what `/metrics` serves) into metric families, so that
// tests assert on names, types, labels and values instead of matching text. prom-client only writes it.

/** One sample line: `name{label="value",…} value`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A `# TYPE` family with its samples (a histogram's `_bucket`, `_sum` and `_count` included). */
export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: PrometheusSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created", "_info"];

/** Parses the whole exposition; throws on a line that is not in the format. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string): MetricFamily => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { name, type: "untyped", help: "", samples: [] }));
    return family;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
    if (meta) {
      const family = familyOf(meta[2]!);
      if (meta[1] === "TYPE") family.type = meta[3]!;
      else family.help = unescape(meta[3]!);
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${line}`);
    const name = sample[1]!;
    const base = SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : "")).find((b) =>
      families.has(b),
    );
    familyOf(families.has(name) ? name : (base ?? name)).samples.push({
      name,
      labels: parseLabels(sample[2] ?? ""),
      value: parseValue(sample[3]!),
    });
  }
  return families;
}

/**
 * The sum of the samples named `name` whose labels include `labels` (0 when none): a counter's
 * value, a histogram's `_count`, or a gauge across its label values.
 */
export function sampleSum(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) sum += sample.value;
    }
  }
  return sum;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (LABEL.lastIndex < text.length && (match = LABEL.exec(text))) labels[match[1]!] = unescape(match[2]!);
  if (LABEL.lastIndex !== text.length && text.length > 0) throw new Error(`bad labels: {${text}}`);
  return labels;
}

/** Go's ParseFloat, as Prometheus reads it: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad sample value: ${text}`);
  return value;
}

function unescape(text: string): string {
  return text.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}
