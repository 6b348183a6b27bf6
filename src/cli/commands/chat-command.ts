// `saiga chat`: talk to the engine in the terminal, no Telegram and no Redis. `--once TEXT`
// answers one message and exits (with `--json`, one JSON object for scripts and tests).
import { createInterface } from "node:readline";
import { Command, Option } from "commander";
import {
  createEngine,
  type ChatMessage,
  type SaigaEngine,
  type SamplingOptions,
} from "../../engine/index.js";
import { startCli } from "../cli-runtime.js";
import { parseCountOption, parseNumberOption } from "../parse-number-option.js";

interface ChatOptions {
  once?: string;
  json?: boolean;
  system?: string;
  temperature?: number;
  seed?: number;
  maxTokens?: number;
  adapter?: string;
}

export function chatCommand(): Command {
  return new Command("chat")
    .description(
      "Chat with the model in the terminal (no Telegram, no Redis).\n" +
        "Commands while chatting: /reset forgets the conversation, /system TEXT sets the system prompt, /exit quits.\n" +
        "Ctrl-C stops the answer being written; Ctrl-C at the prompt (twice) or Ctrl-D quits.",
    )
    .option("--once <text>", "answer this one message and exit")
    .option("--json", "with --once: print one JSON object {text, stats, engine} instead of the streamed text")
    .option("--system <text>", "system prompt (default: model.systemPrompt, the Saiga prompt)")
    .option(
      "--temperature <t>",
      "sampling temperature, 0 = greedy (default: generation.temperature)",
      parseNumberOption,
    )
    .option("--seed <n>", "random seed for sampling (default: generation.seed)", parseCountOption)
    .option("--max-tokens <n>", "longest answer in tokens (default: generation.maxTokens)", parseCountOption)
    .option("--adapter <file.gguf>", "apply a GGUF LoRA adapter to the model")
    .addOption(new Option("--model <source>", "model: a GGUF path, an hf: URI, demo or smollm2 (env: MODEL)"))
    .action(async (options: ChatOptions & { model?: string }, command: Command) => {
      const { config, log } = startCli(command, { "model.source": options.model });
      const sampling: Partial<SamplingOptions> = dropUndefined({
        temperature: options.temperature,
        seed: options.seed,
        maxTokens: options.maxTokens,
      });
      const engine = await createEngine(config, { log, sequences: 1, adapterPath: options.adapter });
      try {
        const system = options.system ?? config.model.systemPrompt;
        if (options.once !== undefined)
          await answerOnce(engine, system, options.once, sampling, options.json === true);
        else await interactiveChat(engine, system, sampling);
      } finally {
        await engine.close();
      }
    });
}

async function answerOnce(
  engine: SaigaEngine,
  system: string,
  text: string,
  sampling: Partial<SamplingOptions>,
  json: boolean,
): Promise<void> {
  const request = {
    messages: [{ role: "system", content: system } as const, { role: "user", content: text } as const],
    sampling,
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  try {
    for await (const event of engine.generate(request, controller.signal)) {
      if (event.type === "delta" && !json) process.stdout.write(event.text);
      if (event.type === "end") {
        process.stdout.write(
          json ? JSON.stringify({ text: event.text, stats: event.stats, engine: engine.info }) + "\n" : "\n",
        );
      }
    }
  } finally {
    process.off("SIGINT", stop);
  }
}

async function interactiveChat(
  engine: SaigaEngine,
  initialSystem: string,
  sampling: Partial<SamplingOptions>,
) {
  const terminal = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal, prompt: "> " });
  let system = initialSystem;
  let history: ChatMessage[] = [];
  let generation: AbortController | undefined;
  let interruptedAt = 0;

  const interrupt = () => {
    if (generation) return generation.abort();
    // At the prompt, a second Ctrl-C within two seconds quits.
    if (Date.now() - interruptedAt < 2000) return lines.close();
    interruptedAt = Date.now();
    process.stdout.write("\n(Ctrl-C again or Ctrl-D to quit)\n");
    if (terminal) lines.prompt();
  };
  // readline sees Ctrl-C on a terminal; with piped input it arrives as a signal.
  lines.on("SIGINT", interrupt);
  process.on("SIGINT", interrupt);

  if (terminal) lines.prompt();
  for await (const line of lines) {
    const input = line.trim();
    if (input === "/exit" || input === "/quit") break;
    if (input === "/reset") {
      history = [];
      process.stdout.write("(conversation forgotten)\n");
    } else if (input === "/system" || input.startsWith("/system ")) {
      system = input.slice("/system".length).trim();
      history = [];
      process.stdout.write(`(system prompt set${system ? "" : " to empty"}; conversation forgotten)\n`);
    } else if (input !== "") {
      history.push({ role: "user", content: line });
      generation = new AbortController();
      let answer = "";
      try {
        for await (const event of engine.generate(
          { messages: [{ role: "system", content: system }, ...history], sampling },
          generation.signal,
        )) {
          if (event.type === "delta") process.stdout.write(event.text);
          else {
            answer = event.text;
            if (event.stats.stopReason === "aborted") process.stdout.write(" [stopped]");
          }
        }
        history.push({ role: "assistant", content: answer });
      } catch (error) {
        history.pop(); // the message was not answered: do not keep it
        process.stdout.write(`(error: ${(error as Error).message})`);
      } finally {
        generation = undefined;
      }
      process.stdout.write("\n");
    }
    if (terminal) lines.prompt();
  }
  process.off("SIGINT", interrupt);
  lines.close();
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
