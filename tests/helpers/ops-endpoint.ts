// Reaches a saiga process's ops server (`/health`, `/metrics`) from a test: its URL from the
// "ops server listening" log line (the tests' processes listen on a free port, SAIGA_OPS_PORT=0).
import type { HealthReport } from "../../src/metrics/health-report.js";
import type { WorkerProcess } from "./pipeline-harness.js";
import { parsePrometheusText, type MetricFamily } from "./prometheus-text.js";

/** The ops server's base URL, read from the process's JSON log. */
export function opsUrlOf(process: WorkerProcess): string {
  for (const line of process.log().split("\n")) {
    if (!line.includes("ops server listening")) continue;
    const { url } = JSON.parse(line) as { url?: string };
    if (url) return url;
  }
  throw new Error(`no "ops server listening" line in the log:\n${process.log()}`);
}

/** GET /health: the HTTP status and the report. */
export async function fetchHealth(opsUrl: string): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(`${opsUrl}/health`);
  return { status: response.status, report: (await response.json()) as HealthReport };
}

/** GET /metrics, parsed. */
export async function scrapeMetrics(opsUrl: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`${opsUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}
