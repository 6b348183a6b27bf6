// `saiga data self-instruct`: instruction data from a teacher model before there is any feedback,
// the way the Saiga authors made ru_turbo_alpaca: batches of new tasks invented from a few
// examples, filtered, each answered in a call of its own, written as Saiga JSONL for
// `saiga train --dataset`. The trainer's example schema is passed in here (eval cannot import
// training).
import { Command } from "commander";
import { SaigaError } from "../../errors/saiga-error.js";
import { generateSelfInstruct } from "../../eval/self-instruct/generate-self-instruct.js";
import { DROP_REASONS, type SelfInstructReport } from "../../eval/self-instruct/self-instruct-report.js";
import { DEFAULT_SEEDS_FILE, readSeedTasks } from "../../eval/self-instruct/seed-task.js";
import { TaskProgress } from "../../eval/task-progress.js";
import { saigaExampleSchema } from "../../training/index.js";
import { abortOnSignal } from "../abort-on-signal.js";
import { startCli } from "../cli-runtime.js";
import { endpointFromOptions } from "../endpoint-options.js";
import { parseCountOption, parseNumberOption } from "../parse-number-option.js";

interface SelfInstructCommandOptions {
  teacherUrl: string;
  teacherModel: string;
  teacherKeyEnv?: string;
  teacherTimeout?: number;
  seeds?: string;
  out: string;
  count: number;
  batch: number;
  examples: number;
  concurrency: number;
  seed: number;
  similarity: number;
  maxBatches?: number;
  system?: string;
  json?: boolean;
}

export function dataSelfInstructCommand(): Command {
  return new Command("self-instruct")
    .description(
      [
        "Generate instruction data with a teacher model (any OpenAI-compatible API),",
        "as the Saiga authors made ru_turbo_alpaca after self-instruct and Alpaca:",
        "  1. each batch request shows the teacher --examples tasks (seeds, and one",
        "     made earlier once there are some) and asks for --batch new tasks;",
        "  2. the answer is parsed: numbered or ###-separated tasks, Инструкция: and",
        "     Вход: fields, no-input markers such as <нет входных данных>;",
        "  3. a task is dropped when its instruction is too short (< 3 words) or too",
        "     long (> 150 words, input > 400), when it mentions what a text model",
        "     cannot do (images, drawing, photos, video, audio, files, charts…), or",
        "     when its ROUGE-L against a task in the pool is above --similarity;",
        "  4. every kept task is answered by the teacher in a call of its own, the",
        "     Saiga way: the system prompt, then the instruction and its input.",
        "The output is Saiga JSONL, ready for `saiga train --dataset`:",
        '  {"messages":[{"role":"system",…},{"role":"user",…},{"role":"bot",…}],',
        '   "label":true,"weight":1,"instruction":…,"input":…,"source":"self-instruct"}',
        "Resumable: examples already in --out count towards --count and join the",
        "pool, so a killed run goes on when run again (a finished one makes no",
        "teacher calls). Ends with the kept tasks and the dropped ones by reason.",
      ].join("\n"),
    )
    .requiredOption(
      "--teacher-url <url>",
      "base URL of the teacher's OpenAI-compatible API, e.g. https://api.openai.com/v1",
    )
    .requiredOption("--teacher-model <name>", "the teacher model, e.g. gpt-4o-mini")
    .option("--teacher-key-env <var>", "environment variable holding the teacher's API key (default: no key)")
    .option(
      "--teacher-timeout <seconds>",
      "one request's time limit; 429s, 5xx and timeouts are retried with backoff (default: 120)",
      parseNumberOption,
    )
    .option(
      "--seeds <file>",
      'seed tasks, JSONL of {"instruction":…,"instances":[{"input":…,"output":…}]} (default: the shipped data/eval/self-instruct-seeds-ru.jsonl)',
    )
    .requiredOption("--out <file>", "the Saiga JSONL output (appended to; created when missing)")
    .requiredOption("--count <n>", "examples the output should hold", parseCountOption)
    .option("--batch <n>", "new tasks asked for per batch request", parseCountOption, 10)
    .option("--examples <n>", "example tasks shown per batch request", parseCountOption, 3)
    .option("--concurrency <n>", "teacher requests in flight at once", parseCountOption, 4)
    .option(
      "--seed <n>",
      "seed of the example sampling (and the teacher's, where it takes one)",
      parseCountOption,
      42,
    )
    .option(
      "--similarity <f>",
      "ROUGE-L F-measure (0..1) above which a new task is a near-duplicate of one in the pool",
      parseNumberOption,
      0.7,
    )
    .option(
      "--max-batches <n>",
      "batch requests at most, so a teacher that gives nothing usable stops the run (default: 10 per batch needed, at least 10)",
      parseCountOption,
    )
    .option(
      "--system <text>",
      'system prompt of the examples (default: model.systemPrompt, the Saiga prompt; "" for none)',
    )
    .option("--json", "print the final counts as JSON on stdout")
    .action(async (options: SelfInstructCommandOptions, command: Command) => {
      checkOptions(options, command);
      const { config, log } = startCli(command);
      const seeds = await readSeedTasks(options.seeds ?? DEFAULT_SEEDS_FILE);
      const teacher = endpointFromOptions(
        {
          url: options.teacherUrl,
          model: options.teacherModel,
          keyEnv: options.teacherKeyEnv,
          timeoutSeconds: options.teacherTimeout,
          flags: { url: "--teacher-url", keyEnv: "--teacher-key-env" },
        },
        command,
      );
      await abortOnSignal(async (signal) => {
        let progress: TaskProgress | undefined;
        try {
          const report = await generateSelfInstruct({
            teacher,
            seeds,
            out: options.out,
            count: options.count,
            systemPrompt: options.system ?? config.model.systemPrompt,
            batch: options.batch,
            examples: options.examples,
            concurrency: options.concurrency,
            seed: options.seed,
            filter: { similarity: options.similarity },
            ...(options.maxBatches !== undefined ? { maxBatches: options.maxBatches } : {}),
            exampleSchema: saigaExampleSchema,
            signal,
            onStart: (start) => {
              progress = new TaskProgress({ label: "examples", total: options.count, done: start.kept, log });
            },
            onExample: (record) => progress?.tick(record.instruction.slice(0, 40)),
            onBatch: (now) =>
              log.debug({ kept: now.kept, dropped: now.dropped, batches: now.batches }, "batch"),
          });
          progress?.stop();
          printReport(report, options);
          if (!report.complete)
            throw new SaigaError(
              "SELF_INSTRUCT_INCOMPLETE",
              `${report.batches} batch requests gave ${report.kept} of ${options.count} examples; ` +
                "run the same command again (or raise --max-batches) to go on, and check the drop counts above.",
            );
        } catch (error) {
          progress?.stop();
          if (signal.aborted)
            throw new SaigaError(
              "SELF_INSTRUCT_STOPPED",
              `stopped; the examples finished so far are in ${options.out}: run the same command again to go on.`,
            );
          throw error;
        }
      });
    });
}

function checkOptions(options: SelfInstructCommandOptions, command: Command): void {
  if (options.count < 1) command.error("error: --count must be at least 1", { exitCode: 2 });
  if (options.batch < 1) command.error("error: --batch must be at least 1", { exitCode: 2 });
  if (options.examples < 1) command.error("error: --examples must be at least 1", { exitCode: 2 });
  if (options.concurrency < 1) command.error("error: --concurrency must be at least 1", { exitCode: 2 });
  if (!(options.similarity > 0 && options.similarity <= 1))
    command.error("error: --similarity must be above 0 and at most 1", { exitCode: 2 });
}

function printReport(report: SelfInstructReport, options: SelfInstructCommandOptions): void {
  if (options.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return;
  }
  const dropped = DROP_REASONS.map((reason) => `${reason} ${report.dropped[reason]}`).join(", ");
  const droppedTotal = DROP_REASONS.reduce((sum, reason) => sum + report.dropped[reason], 0);
  process.stdout.write(
    `kept ${report.kept} of ${report.count} examples in ${options.out} (${report.added} new); ` +
      `${report.generated} tasks read from ${report.batches} batches, dropped ${droppedTotal}: ${dropped}; ` +
      `surplus ${report.surplus}; teacher calls ${report.teacherCalls}\n`,
  );
}
