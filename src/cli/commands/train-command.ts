// `saiga train --dataset FILE.jsonl --out DIR`: trains a LoRA adapter from a Saiga JSONL file with
// no Redis and no bot, for operators who bring their own data. The file is tokenized with the
// served model's chat format and tokenizer, then the Python trainer (PyTorch, CPU or CUDA) writes
// DIR/adapter.gguf and DIR/metrics.json; `saiga chat --adapter DIR/adapter.gguf` tries it.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../../config/index.js";
import { DEMO_MODEL_NOTICE, modelsDirOf, resolveModelPath } from "../../engine/index.js";
import { SaigaError } from "../../errors/saiga-error.js";
import type { Logger } from "../../log/index.js";
import { DatasetError, ExampleTokenizer, readSaigaJsonl, writeJsonLines } from "../../training/index.js";
import { trainerArgsOf } from "../../training/trainer-args.js";
import { pythonTorchVersion, runTrainer } from "../../training/trainer/trainer-process.js";
import { TrainerUnavailableError } from "../../training/trainer/trainer-unavailable-error.js";
import { startCli } from "../cli-runtime.js";
import { withRegistry } from "../with-registry.js";
import { parseCountOption, parseNumberOption } from "../parse-number-option.js";

/** File the tokenized examples are written to inside --out. */
const TOKENS_FILE = "train.tokens.jsonl";

interface TrainOptions {
  dataset?: string;
  out?: string;
  now?: boolean;
  wait?: boolean;
  cancel?: string;
  model?: string;
  loss?: "sft" | "kto";
  maxSteps?: number;
  epochs?: number;
  lr?: number;
  loraR?: number;
  device?: "auto" | "cpu" | "cuda";
  threads?: number;
}

export function trainCommand(): Command {
  return new Command("train")
    .summary("Train a LoRA adapter from a Saiga JSONL file, or start a training from the feedback now.")
    .description(
      [
        "Train a LoRA adapter from a Saiga JSONL file (no Redis, no bot). One example",
        "per line, ending with the bot's answer:",
        '  {"messages":[{"role":"system|user|bot","content":"…"},…],"label":true}',
        'Without "label" an example is desirable; an optional "weight" scales it.',
        "Only desirable examples: SFT; desirable and undesirable: training.loss (KTO).",
        "The examples are tokenized with the model's chat format and tokenizer exactly",
        "as the engine serves them; the Python trainer (training.python, env",
        "SAIGA_TRAINING_PYTHON; it needs PyTorch) writes DIR/adapter.gguf and",
        "DIR/metrics.json. Try the adapter: saiga chat --adapter DIR/adapter.gguf",
        "",
        "With --now instead: queue a training from the feedback in Redis for `saiga trainer`",
        "(the same path as the schedule and the admin /train, without the feedback",
        "threshold); --wait follows it to the gate's verdict. --cancel JOB stops one.",
      ].join("\n"),
    )
    .option("--dataset <file.jsonl>", "Saiga JSONL examples")
    .option("--out <dir>", "folder for adapter.gguf, metrics.json and the tokenized examples")
    .option("--now", "queue a training from the stored feedback now (saiga trainer runs it)")
    .option("--wait", "with --now: follow the training and print its outcome")
    .option("--cancel <job>", "stop a queued or running training (the job id --now printed)")
    .addOption(
      new Option("--model <source>", "base model: a GGUF path, an hf: URI, demo or smollm2 (env: MODEL)"),
    )
    .addOption(
      new Option(
        "--loss <loss>",
        "sft or kto (default: sft when every example is desirable, else training.loss)",
      ).choices(["sft", "kto"]),
    )
    .option(
      "--max-steps <n>",
      "stop after this many optimizer steps (default: training.maxSteps; 0 = by epochs and training.minSteps)",
      parseCountOption,
    )
    .option(
      "--epochs <n>",
      "passes over the data (default: training.epochs, auto: 1, repeated up to training.minSteps steps)",
      parsePositive,
    )
    .option(
      "--lr <x>",
      "peak learning rate (default: training.learningRate, auto: 4e-4·(4096/n_embd)^0.75)",
      parseNumberOption,
    )
    .option("--lora-r <n>", "LoRA rank (default: training.loraR)", parsePositive)
    .addOption(
      new Option(
        "--device <device>",
        "auto (CUDA when present), cpu or cuda (default: training.device)",
      ).choices(["auto", "cpu", "cuda"]),
    )
    .option("--threads <n>", "CPU threads for PyTorch (default: PyTorch's choice)", parsePositive)
    .action(async (options: TrainOptions, command: Command) => {
      if (options.now || options.cancel) return queueTraining(options, command);
      if (!options.dataset || !options.out) {
        command.error("error: give --dataset FILE.jsonl and --out DIR (or --now)", { exitCode: 2 });
      }
      const { dataset, out: outDir } = options as Required<Pick<TrainOptions, "dataset" | "out">>;
      const { config, log } = startCli(command, {
        "model.source": options.model,
        "training.loss": options.loss,
        "training.maxSteps": options.maxSteps,
        "training.epochs": options.epochs,
        "training.learningRate": options.lr,
        "training.loraR": options.loraR,
        "training.device": options.device,
      });
      const examples = await readSaigaJsonl(dataset);
      const python = config.training.python;
      const torch = pythonTorchVersion(python);
      if (!torch) throw new TrainerUnavailableError(python);
      log.debug({ python, torch }, "trainer Python");

      const undesirable = examples.filter((example) => !example.label).length;
      const loss = options.loss ?? (undesirable === 0 ? "sft" : config.training.loss);
      const modelPath = await resolveModelPath(config.model.source, { modelsDir: modelsDirOf(config) });
      if (config.model.source === "demo") log.warn(DEMO_MODEL_NOTICE);
      const out = path.resolve(outDir);
      await mkdir(out, { recursive: true });
      const tokenized = await tokenize(examples, modelPath, config, log);
      const dataFile = path.join(out, TOKENS_FILE);
      await writeJsonLines(dataFile, tokenized.examples);
      const usable = tokenized.examples.filter((e) => e.weight > 0 && (loss === "kto" || e.label)).length;
      log.info(
        { examples: examples.length, undesirable, tokenized: tokenized.examples.length, loss, torch },
        `training a LoRA adapter on ${usable} examples (${loss})`,
      );

      const args = [
        ...["--model", modelPath, "--data", dataFile, "--out", out, "--name", path.basename(out)],
        ...trainerArgsOf(config.training, loss),
      ];
      if (options.threads !== undefined) args.push("--threads", String(options.threads));
      const adapter = await train(args, python, config.training.timeLimitMinutes);
      process.stdout.write(
        `adapter: ${adapter}\nmetrics: ${path.join(out, "metrics.json")}\n` +
          `try it:  saiga chat${options.model ? ` --model ${options.model}` : ""} --adapter ${adapter}\n`,
      );
    });
}

/** --now / --cancel: the scheduled path, through Redis and `saiga trainer`. */
async function queueTraining(options: TrainOptions, command: Command): Promise<void> {
  await withRegistry(command, async ({ training }) => {
    if (options.cancel) {
      await training.cancel(options.cancel);
      process.stdout.write(`training ${options.cancel} cancelled\n`);
      return;
    }
    const jobId = await training.trainNow("cli");
    process.stdout.write(`training queued: job ${jobId}\n`);
    if (!options.wait) return;
    for (let lastStep = -1; ; await new Promise((resolve) => setTimeout(resolve, 1000))) {
      const job = await training.queue.getJob(jobId);
      const state = job ? await job.getState() : "unknown";
      const progress = job?.progress as { step?: number; loss?: number } | undefined;
      if (typeof progress?.step === "number" && progress.step !== lastStep) {
        lastStep = progress.step;
        process.stderr.write(`step ${progress.step}  loss ${progress.loss?.toFixed(4) ?? "?"}\n`);
      }
      if (state === "completed") {
        process.stdout.write(JSON.stringify(job?.returnvalue, null, 2) + "\n");
        return;
      }
      if (state === "failed" || state === "unknown") {
        throw new SaigaError(
          "TRAINING_FAILED",
          `training ${jobId} ${state}: ${job?.failedReason ?? "the job is gone"}`,
        );
      }
    }
  });
}

async function tokenize(
  examples: Awaited<ReturnType<typeof readSaigaJsonl>>,
  modelPath: string,
  config: Config,
  log: Logger,
) {
  const tokenizer = await ExampleTokenizer.open({
    modelPath,
    chatFormat: config.model.chatFormat,
    contextSize: config.model.contextSize,
    systemPrompt: config.model.systemPrompt,
    log,
  });
  try {
    const tokenized = tokenizer.tokenizeAll(examples);
    if (tokenized.examples.length === 0)
      throw new DatasetError(
        `none of the ${examples.length} examples fits the model's ${config.model.contextSize}-token context ` +
          "(model.contextSize) with its answer",
      );
    if (tokenized.dropped > 0)
      log.warn(
        { dropped: tokenized.dropped, contextSize: config.model.contextSize },
        `${tokenized.dropped} examples do not fit the context and are left out`,
      );
    log.info({ chatFormat: tokenizer.chatFormat }, "examples tokenized with the served chat format");
    return tokenized;
  } finally {
    await tokenizer.close();
  }
}

/** Runs the trainer with its plan and a progress line on stderr; returns the adapter's path. */
async function train(args: string[], python: string, timeLimitMinutes: number): Promise<string> {
  const terminal = process.stderr.isTTY === true;
  const controller = new AbortController();
  const interrupt = () => controller.abort(new SaigaError("TRAINING_STOPPED", "Training stopped (Ctrl-C)."));
  process.once("SIGINT", interrupt);
  const timer = setTimeout(
    () =>
      controller.abort(
        new SaigaError(
          "TRAINING_TIMEOUT",
          `Training ran longer than training.timeLimitMinutes (${timeLimitMinutes} min) and was stopped.`,
        ),
      ),
    timeLimitMinutes * 60_000,
  );
  let progressShown = false;
  let steps = 0;
  try {
    const run = await runTrainer(args, {
      python,
      signal: controller.signal,
      onLine: (line) => {
        if (isPlan(line.plan)) {
          steps = line.plan.steps;
          process.stderr.write(planLine(line.plan) + "\n");
          return;
        }
        if (typeof line.step !== "number") return;
        const text = progressLine(line, steps);
        if (terminal) process.stderr.write(`\r${text.padEnd(72)}`);
        else process.stderr.write(text + "\n");
        progressShown = true;
      },
    }).catch((error: unknown) => {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    });
    if (terminal && progressShown) process.stderr.write("\n");
    const done = run.lines.find((line) => line.done === true);
    if (run.code !== 0 || !done || typeof done.adapter !== "string") {
      const reason = run.stderr.trim().split("\n").pop() || `exit code ${run.code}`;
      throw new SaigaError("TRAINING_FAILED", `The trainer failed: ${reason}`);
    }
    return path.resolve(done.adapter);
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", interrupt);
  }
}

/** The trainer's first line: the hyperparameters it chose (saiga_trainer/defaults.py). */
interface TrainerPlan {
  loss: string;
  lr: number;
  batch_size: number;
  steps: number;
  epochs: number;
  examples: number;
  lora_r: number;
  lora_alpha: number;
  device: string;
  dtype: string;
  how: Record<string, string>;
}

function isPlan(value: unknown): value is TrainerPlan {
  return typeof value === "object" && value !== null && typeof (value as TrainerPlan).steps === "number";
}

function planLine(plan: TrainerPlan): string {
  const auto = (key: string) => (plan.how[key]?.startsWith("auto") ? " (auto)" : "");
  return (
    `training plan: ${plan.loss}, lr ${plan.lr.toExponential(2)}${auto("lr")}, ` +
    `batch ${plan.batch_size}${auto("batch_size")}, ${plan.steps} steps${auto("steps")} ` +
    `(${plan.epochs} epochs of ${plan.examples} examples), LoRA r${plan.lora_r} α${plan.lora_alpha}, ` +
    `${plan.device}, ${plan.dtype}`
  );
}

function progressLine(line: Record<string, unknown>, steps: number): string {
  const step = line.step as number;
  const parts = [steps >= step ? `step ${step}/${steps}` : `step ${step}`];
  if (typeof line.loss === "number") parts.push(`loss ${line.loss.toFixed(4)}`);
  if (typeof line.tokens_per_s === "number") parts.push(`${line.tokens_per_s.toFixed(0)} tok/s`);
  if (typeof line.lr === "number") parts.push(`lr ${line.lr.toExponential(1)}`);
  return `training: ${parts.join("  ")}`;
}

function parsePositive(value: string): number {
  const parsed = parseCountOption(value);
  if (parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}
