// Side-by-side evaluation with a judge: the library the CLI (`saiga eval sbs`) and the
// evaluation gate use.
export {
  runSideBySide,
  UNCATEGORIZED,
  type SideBySideOptions,
  type SideBySideResult,
  type TaskVerdict,
} from "./run-side-by-side.js";
export type { WdlTally } from "./wdl-tally.js";
export type { TaskOutcome } from "./task-outcome.js";
export { judgePrompt, isRussianTask } from "./judge-prompt.js";
export { parseVerdict, type Verdict } from "./parse-verdict.js";
export { writeSbsOutputs, SBS_FILES } from "./write-sbs-outputs.js";
export { sbsReportMarkdown } from "./sbs-report-markdown.js";
export { wdlChartSvg } from "./wdl-chart-svg.js";
export { evaluationsDir, defaultSbsOut } from "./evaluations-dir.js";
