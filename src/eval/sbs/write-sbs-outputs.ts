// Writes a side-by-side run's outputs into a folder: result.json, report.md and chart.svg (the
// judgement cache, judgements.jsonl, is written there as the run goes).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SideBySideResult } from "./run-side-by-side.js";
import { sbsReportMarkdown } from "./sbs-report-markdown.js";
import { wdlChartSvg } from "./wdl-chart-svg.js";

/** The files of a run's output folder. */
export const SBS_FILES = {
  result: "result.json",
  report: "report.md",
  chart: "chart.svg",
  cache: "judgements.jsonl",
} as const;

/** Writes `result`'s files into `dir` (created when missing); returns their paths. */
export async function writeSbsOutputs(
  dir: string,
  result: SideBySideResult,
): Promise<Record<keyof typeof SBS_FILES, string>> {
  await mkdir(dir, { recursive: true });
  const files = {
    result: path.join(dir, SBS_FILES.result),
    report: path.join(dir, SBS_FILES.report),
    chart: path.join(dir, SBS_FILES.chart),
    cache: path.join(dir, SBS_FILES.cache),
  };
  await writeFile(files.result, JSON.stringify(result, null, 2) + "\n", "utf8");
  await writeFile(files.report, sbsReportMarkdown(result, SBS_FILES.chart), "utf8");
  await writeFile(
    files.chart,
    wdlChartSvg(result.sideA, result.sideB, result.overall, result.categories),
    "utf8",
  );
  return files;
}
