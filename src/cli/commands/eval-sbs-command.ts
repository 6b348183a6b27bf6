// `saiga eval sbs`: a judge (any OpenAI-compatible model) compares two answer sets task by task;
// the result is wins-draws-losses overall and per category, as the Saiga authors reported theirs.
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { answerRecordSchema } from "../../eval/answer-record.js";
import {
  defaultSbsOut,
  runSideBySide,
  SBS_FILES,
  writeSbsOutputs,
  type SideBySideResult,
} from "../../eval/sbs/index.js";
import { SaigaError } from "../../errors/saiga-error.js";
import { TaskProgress } from "../../eval/task-progress.js";
import { readJsonLines } from "../../files/json-lines.js";
import { startCli } from "../cli-runtime.js";
import { endpointFromOptions } from "../endpoint-options.js";
import { parseCountOption } from "../parse-number-option.js";

interface SbsOptions {
  a: string;
  b: string;
  judgeUrl?: string;
  judgeModel?: string;
  judgeKeyEnv: string;
  out?: string;
  bothOrders: boolean;
  seed: number;
  concurrency: number;
  retries: number;
  timeout: number;
}

// The config's own variable for training.gate.judgeApiKey: the config accepts it and the logger redacts it.
const DEFAULT_KEY_ENV = "SAIGA_TRAINING_GATE_JUDGE_API_KEY";

export function evalSbsCommand(): Command {
  return new Command("sbs")
    .summary("Have a judge compare two answer sets side by side (wins-draws-losses).")
    .description(
      [
        "Compare two answer sets (written by `saiga eval answers`: JSON Lines of",
        '{"id","instruction","input"?,"category"?,"answer","side",…}) with a judge, any',
        "OpenAI-compatible chat model. For each task both sides answered, the judge sees the",
        "task and the two answers (which one is shown first is a seeded coin flip per task),",
        "explains, and scores each 1–10 as JSON; Russian tasks get a Russian prompt. The higher",
        "score wins, equal scores are a draw. A reply without a readable verdict is asked again",
        "(--retries), then counted as unparsed; a judge that cannot be reached, as failed.",
        "",
        "Writes into --out:",
        `  ${SBS_FILES.report}     wins-draws-losses of A vs B overall and per category, with the win`,
        "                rate (wins + draws/2) / judged and its 95% bootstrap interval",
        `  ${SBS_FILES.result}   the same as JSON, with every task's scores and explanations`,
        `  ${SBS_FILES.chart}     stacked bars of w-d-l per category`,
        `  ${SBS_FILES.cache} the judgements: a rerun (or a run resumed after a kill) asks the`,
        "                judge only what it has not answered yet",
        "Tasks only one side answered are listed, not counted.",
        "",
        "The judge's key is read from the environment variable named by --judge-key-env",
        `(e.g. OPENAI_API_KEY; default ${DEFAULT_KEY_ENV}, the variable of the setting`,
        "training.gate.judgeApiKey, which the configuration file can also hold). Never pass a",
        "key on the command line: it would show in the process list and the shell history.",
        "--judge-url and --judge-model default to training.gate.judgeUrl and judgeModel.",
        "",
        "Example:",
        "  saiga eval sbs --a adapter.jsonl --b base.jsonl \\",
        "    --judge-url https://api.openai.com/v1 --judge-model gpt-4o --out sbs-adapter-vs-base",
      ].join("\n"),
    )
    .requiredOption("--a <answers.jsonl>", "answers of side A (wins are counted for this side)")
    .requiredOption("--b <answers.jsonl>", "answers of side B")
    .option("--judge-url <url>", "the judge's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    .option("--judge-model <name>", "the judge's model name")
    .option("--judge-key-env <var>", "environment variable holding the judge's API key", DEFAULT_KEY_ENV)
    .option(
      "--out <dir>",
      "folder for the report, result, chart and judgement cache (default: sbs-<time> in dashboard.evaluationsDir, <dataDir>/evaluations, where the dashboard lists runs)",
    )
    .option(
      "--both-orders",
      "judge every task in both orders; a verdict that changes with the order is a draw",
      false,
    )
    .option("--seed <n>", "seed of the left/right assignment and the bootstrap", parseCountOption, 1)
    .option("--concurrency <n>", "judge requests at once", parsePositive, 4)
    .option(
      "--retries <n>",
      "further attempts after an unreadable verdict or a failed call",
      parseCountOption,
      2,
    )
    .addOption(
      new Option("--timeout <seconds>", "time limit of one judge request (retried on timeout)")
        .argParser(parsePositive)
        .default(120),
    )
    .exitOverride()
    .action(async (options: SbsOptions, command: Command) => {
      const { config, log } = startCli(command);
      const out = options.out ?? defaultSbsOut(config);
      const gate = config.training.gate;
      const url = options.judgeUrl ?? gate.judgeUrl;
      const model = options.judgeModel ?? gate.judgeModel;
      if (!url || !model)
        throw new SaigaError(
          "JUDGE_NOT_CONFIGURED",
          "No judge: pass --judge-url and --judge-model (or set training.gate.judgeUrl and judgeModel).",
        );
      const judge = endpointFromOptions(
        {
          url,
          model,
          keyEnv: options.judgeKeyEnv,
          timeoutSeconds: options.timeout,
          flags: { url: "--judge-url", keyEnv: "--judge-key-env" },
          fallbackKey: gate.judgeApiKey,
        },
        command,
      );
      const [a, b] = await Promise.all([
        readJsonLines(options.a, answerRecordSchema),
        readJsonLines(options.b, answerRecordSchema),
      ]);
      // The total is known once the answers are paired: the bar starts with the first judgement.
      let progress: TaskProgress | undefined;
      log.info({ a: options.a, b: options.b, judge: model, out }, "judging side by side");
      const result = await runSideBySide({
        a,
        b,
        judge,
        seed: options.seed,
        bothOrders: options.bothOrders,
        concurrency: options.concurrency,
        retries: options.retries,
        cacheFile: path.join(out, SBS_FILES.cache),
        onProgress: (_done, total, id) => {
          progress ??= new TaskProgress({ label: "judgements", total, log });
          progress.tick(id);
        },
      }).finally(() => progress?.stop());
      await writeSbsOutputs(out, result);
      process.stdout.write(summary(result, path.resolve(out)));
    });
}

function summary(result: SideBySideResult, dir: string): string {
  const o = result.overall;
  const rate =
    o.winRate === null || !o.winRateInterval
      ? "—"
      : `${(o.winRate * 100).toFixed(1)}% (95% CI ${(o.winRateInterval[0] * 100).toFixed(1)}–${(o.winRateInterval[1] * 100).toFixed(1)}%)`;
  const lines = [
    `${result.sideA} vs ${result.sideB}: ${o.wins}-${o.draws}-${o.losses} (wins-draws-losses) over ${o.tasks} tasks`,
    `  win rate ${rate}; unparsed ${o.unparsed}, failed ${o.failed}`,
  ];
  const { onlyA, onlyB } = result.missing;
  if (onlyA.length || onlyB.length)
    lines.push(`  not counted: ${onlyA.length} answered only by A, ${onlyB.length} only by B`);
  lines.push(`  judge calls: ${result.judgeCalls}; report in ${dir}`);
  return lines.join("\n") + "\n";
}

function parsePositive(value: string): number {
  const parsed = parseCountOption(value);
  if (parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}
