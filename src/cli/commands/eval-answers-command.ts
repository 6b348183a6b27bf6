// `saiga eval answers`: one side's answers to a task file (the first half of a side-by-side). A
// side is the bare model or an adapter on the local engine, or any OpenAI-compatible endpoint;
// adapter versions are resolved here, through the registry, because eval does not import training.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { createEngine, type SaigaEngine } from "../../engine/index.js";
import { SaigaError } from "../../errors/saiga-error.js";
import type { AnswerSampling } from "../../eval/answer-side.js";
import { EndpointSide } from "../../eval/endpoint-side.js";
import { EngineSide } from "../../eval/engine-side.js";
import { evalAnswers, type EvalAnswersSummary } from "../../eval/eval-answers.js";
import { readTasks } from "../../eval/task-file.js";
import { abortOnSignal } from "../abort-on-signal.js";
import { startCli } from "../cli-runtime.js";
import { endpointFromOptions } from "../endpoint-options.js";
import { parseCountOption, parseNumberOption } from "../parse-number-option.js";
import { withRegistry } from "../with-registry.js";

/** The task set shipped with saiga-bot (60 Russian tasks over 8 categories). */
const SHIPPED_TASKS = fileURLToPath(new URL("../../../data/eval/tasks-ru.jsonl", import.meta.url));

interface EvalAnswersOptions {
  tasks?: string;
  out: string;
  side?: string;
  base?: boolean;
  adapter?: string;
  endpoint?: string;
  endpointModel?: string;
  endpointKeyEnv?: string;
  endpointTimeout?: number;
  model?: string;
  system?: string;
  temperature: number;
  maxTokens?: number;
  seed?: number;
  limit?: number;
  concurrency?: number;
}

export function evalAnswersCommand(): Command {
  return new Command("answers")
    .description(
      [
        "Answer every task of a task file with one side and write one answer record per task (JSONL), for `saiga eval sbs`.",
        "Choose the side with exactly one of --base, --adapter or --endpoint. Every side gets the same prompt: the system prompt, then the task's instruction and, after a blank line, its input.",
        "Greedy by default (--temperature 0). Resumable: a rerun with the same --out answers only the tasks whose ids are not in it yet, so a stopped or partly failed run is continued by running it again.",
      ].join("\n\n"),
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  saiga eval answers --base --out data/answers/base.jsonl",
        "  saiga eval answers --adapter v20250101120000-ab12 --out data/answers/adapter.jsonl",
        "  OPENAI_API_KEY=... saiga eval answers --endpoint https://api.openai.com/v1 --endpoint-model gpt-4o-mini \\",
        "      --endpoint-key-env OPENAI_API_KEY --out data/answers/gpt-4o-mini.jsonl",
      ].join("\n"),
    )
    .requiredOption(
      "--out <file>",
      "the answers file (JSONL of {id, instruction, input, category, answer, side, model, adapter, latencyMs})",
    )
    .option(
      "--tasks <file>",
      "task file, JSONL of {id, instruction, input?, category?} (default: the shipped data/eval/tasks-ru.jsonl)",
    )
    .option(
      "--side <name>",
      "label of the side in the records and reports (default: base, the adapter version, or the endpoint model)",
    )
    .option("--base", "side: the bare base model on the local engine (MODEL, or --model)")
    .option(
      "--adapter <version|file.gguf>",
      "side: a LoRA adapter on the local engine: a version from `saiga adapters list` (needs Redis) or a GGUF file",
    )
    .option(
      "--endpoint <url>",
      "side: an OpenAI-compatible API by its base URL, e.g. http://127.0.0.1:8000/v1 (another `saiga api`, llama-server, vLLM, a hosted API)",
    )
    .option(
      "--endpoint-model <name>",
      "with --endpoint: the model to ask (for `saiga api`: saiga, or an adapter version)",
    )
    .option(
      "--endpoint-key-env <var>",
      "with --endpoint: the environment variable holding the API key (default: no key)",
    )
    .option(
      "--endpoint-timeout <seconds>",
      "with --endpoint: one request's time limit; 429s, 5xx and timeouts are retried with backoff (default: 120)",
      parseNumberOption,
    )
    .option(
      "--model <source>",
      "with --base or --adapter: the model, a GGUF path, an hf: URI, demo or smollm2 (env: MODEL)",
    )
    .option("--system <text>", 'system prompt (default: model.systemPrompt, the Saiga prompt; "" for none)')
    .option("--temperature <t>", "sampling temperature; 0 is greedy decoding", parseNumberOption, 0)
    .option(
      "--max-tokens <n>",
      "longest answer in tokens (default: generation.maxTokens on the local engine; the endpoint's own default)",
      parseCountOption,
    )
    .option("--seed <n>", "random seed for sampling above temperature 0 (default: none)", parseCountOption)
    .option("--limit <n>", "answer only the first N tasks of the file", parseCountOption)
    .option(
      "--concurrency <n>",
      "answers at once: requests in flight for --endpoint (default: 4); the engine's sequences for --base and --adapter (default: model.sequences)",
      parseCountOption,
    )
    .action(async (options: EvalAnswersOptions, command: Command) => {
      const choice = sideChoice(options, command);
      const { config, log } = startCli(command, { "model.source": options.model });
      const tasks = (await readTasks(options.tasks ?? SHIPPED_TASKS)).slice(0, options.limit ?? Infinity);
      let engine: SaigaEngine | undefined;
      try {
        const summary = await abortOnSignal((signal) =>
          evalAnswers({
            tasks,
            out: options.out,
            sideName: options.side ?? defaultSideName(choice, options),
            openSide: async () => {
              if (choice === "endpoint") return endpointSide(options, command);
              const adapter =
                choice === "adapter" ? await resolveAdapter(options.adapter ?? "", command) : null;
              engine = await createEngine(config, {
                log,
                ...(options.concurrency ? { sequences: options.concurrency } : {}),
                ...(adapter ? { adapterPath: adapter.file } : {}),
              });
              return new EngineSide(engine, {
                adapterPath: adapter?.file ?? null,
                adapterName: adapter?.name,
              });
            },
            systemPrompt: options.system ?? config.model.systemPrompt,
            sampling: samplingOf(options),
            log,
            signal,
          }),
        );
        report(summary, options.out);
      } finally {
        await engine?.close();
      }
    });
}

/** The side's label when --side is not given: base, the adapter version (or file name), the endpoint model. */
function defaultSideName(choice: SideChoice, options: EvalAnswersOptions): string {
  if (choice === "endpoint") return options.endpointModel ?? "endpoint";
  if (choice === "adapter") return path.basename(options.adapter ?? "adapter", ".gguf");
  return "base";
}

type SideChoice = "base" | "adapter" | "endpoint";

/** Exactly one side, with what it needs; otherwise a usage error (exit code 2). */
function sideChoice(options: EvalAnswersOptions, command: Command): SideChoice {
  const chosen = (
    [
      ["base", options.base === true],
      ["adapter", options.adapter !== undefined],
      ["endpoint", options.endpoint !== undefined],
    ] as const
  ).filter(([, given]) => given);
  if (chosen.length !== 1) {
    command.error(
      "error: choose exactly one side: --base, --adapter VERSION|FILE.gguf, or --endpoint URL --endpoint-model NAME",
      { exitCode: 2 },
    );
  }
  const choice = chosen[0]![0];
  if (choice === "endpoint" && !options.endpointModel) {
    command.error("error: --endpoint needs --endpoint-model NAME (for `saiga api`: saiga)", { exitCode: 2 });
  }
  if (choice !== "endpoint" && (options.endpointModel || options.endpointKeyEnv)) {
    command.error("error: --endpoint-model and --endpoint-key-env go with --endpoint", { exitCode: 2 });
  }
  return choice;
}

function samplingOf(options: EvalAnswersOptions): AnswerSampling {
  return {
    temperature: options.temperature,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
}

function endpointSide(options: EvalAnswersOptions, command: Command): EndpointSide {
  const endpoint = endpointFromOptions(
    {
      url: options.endpoint ?? "",
      model: options.endpointModel ?? "",
      keyEnv: options.endpointKeyEnv,
      timeoutSeconds: options.endpointTimeout,
      flags: { url: "--endpoint", keyEnv: "--endpoint-key-env" },
    },
    command,
  );
  return new EndpointSide(endpoint, options.concurrency ? { concurrency: options.concurrency } : {});
}

/** `--adapter`: a GGUF file as it is, or a registry version's file on this machine. */
async function resolveAdapter(value: string, command: Command): Promise<{ file: string; name: string }> {
  if (value.endsWith(".gguf") || existsSync(value)) {
    if (!existsSync(value)) {
      throw new SaigaError(
        "ADAPTER_NOT_FOUND",
        `--adapter ${value}: no such file. Give a GGUF LoRA adapter or a version from \`saiga adapters list\`.`,
      );
    }
    return { file: path.resolve(value), name: path.basename(value, ".gguf") };
  }
  return withRegistry(command, async ({ registry }) => {
    const manifest = (await registry.list()).find((entry) => entry.version === value);
    if (!manifest) {
      throw new SaigaError(
        "ADAPTER_UNKNOWN",
        `--adapter ${value}: no such adapter version (see: saiga adapters list).`,
      );
    }
    const file = registry.fileOf(manifest);
    if (!existsSync(file)) {
      throw new SaigaError(
        "ADAPTER_NOT_FOUND",
        `--adapter ${value}: its file ${file} is not on this machine; run this where training.adaptersDir holds it, or give the .gguf file.`,
      );
    }
    return { file, name: value };
  });
}

/** The final line: what this run did, and what is left. */
function report(summary: EvalAnswersSummary, out: string): void {
  const done = summary.answered + summary.alreadyDone;
  process.stdout.write(
    `answered ${summary.answered}, already done ${summary.alreadyDone}, failed ${summary.failed.length}: ` +
      `${done} of ${summary.total} tasks in ${out}\n`,
  );
  if (summary.stopped)
    throw new SaigaError(
      "EVAL_STOPPED",
      `stopped; run the same command again to answer the remaining ${summary.total - done} tasks.`,
    );
  if (summary.failed.length > 0) {
    throw new SaigaError(
      "EVAL_TASKS_FAILED",
      `${summary.failed.length} tasks failed (first: ${summary.failed[0]!.id}: ${summary.failed[0]!.message}); run the same command again to retry them.`,
    );
  }
}
