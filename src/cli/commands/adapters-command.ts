// `saiga adapters list|activate|rollback`: the LoRA adapter registry. Activation and rollback
// reach every engine at once (they hot-swap; answers in progress finish on the old adapter).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import type { Config } from "../../config/index.js";
import { modelsDirOf } from "../../engine/create-engine.js";
import { resolveModelPath } from "../../engine/resolve-model-path.js";
import { SaigaError } from "../../errors/saiga-error.js";
import type { NewAdapter } from "../../training/adapter-registry.js";
import { describeAdapter } from "../../training/describe-adapter.js";
import { withRegistry } from "../with-registry.js";

export function adaptersCommand(): Command {
  const adapters = new Command("adapters").description(
    "The LoRA adapter registry: trained versions, which one is active, activation and rollback.",
  );
  adapters
    .command("list")
    .description("List every adapter version: status, when it was made, its dataset and gate verdict.")
    .option("--json", "print the manifests as JSON")
    .action((options: { json?: boolean }, command: Command) =>
      withRegistry(command, async ({ registry }) => {
        const list = await registry.list();
        if (options.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + "\n");
          return;
        }
        if (list.length === 0) process.stdout.write("no adapters yet: the bare model serves\n");
        for (const manifest of list) process.stdout.write(describeAdapter(manifest) + "\n");
      }),
    );
  adapters
    .command("activate")
    .description(
      "Make VERSION the active adapter on every engine (a version the gate rejected needs --force).",
    )
    .argument("<version>", "an adapter version from `saiga adapters list`")
    .option("--force", "activate even though the evaluation gate rejected it")
    .action((version: string, options: { force?: boolean }, command: Command) =>
      withRegistry(command, async ({ registry }) => {
        await registry.activate(version, { force: options.force === true });
        process.stdout.write(`${version} is active\n`);
      }),
    );
  adapters
    .command("rollback")
    .description("Go back to the adapter that was active before the current one (or to the bare model).")
    .action((_options: unknown, command: Command) =>
      withRegistry(command, async ({ registry }) => {
        const now = await registry.rollback();
        process.stdout.write(
          now === undefined
            ? "nothing to roll back to\n"
            : `${now ?? "the bare model (no adapter)"} is active\n`,
        );
      }),
    );
  adapters
    .command("add")
    .description(
      "Register an adapter trained by `saiga train --dataset` as a candidate version (not active): " +
        "it gets a version id, its bytes go to Redis for every engine, and `saiga eval answers " +
        "--adapter VERSION` or the API's `model` can use it before `activate`.",
    )
    .argument(
      "<path>",
      "the --out folder of `saiga train --dataset` (adapter.gguf, metrics.json), or a .gguf",
    )
    .option("--json", "print the new manifest as JSON")
    .action((target: string, options: { json?: boolean }, command: Command) =>
      withRegistry(command, async ({ config, registry }) => {
        const manifest = await registry.register(await trainedAdapterAt(target, config));
        process.stdout.write(
          options.json
            ? JSON.stringify(manifest, null, 2) + "\n"
            : `${manifest.version} registered as a candidate\n`,
        );
      }),
    );
  return adapters;
}

/** The adapter file and the metrics `saiga train --dataset` wrote at `target`, on the configured model. */
async function trainedAdapterAt(target: string, config: Config): Promise<NewAdapter> {
  const folder = target.endsWith(".gguf") ? path.dirname(target) : target;
  const adapterFile = target.endsWith(".gguf") ? target : path.join(target, "adapter.gguf");
  if (!existsSync(adapterFile)) {
    throw new SaigaError(
      "ADAPTER_NOT_FOUND",
      `${adapterFile} does not exist: give the --out folder of saiga train.`,
    );
  }
  const metricsFile = path.join(folder, "metrics.json");
  const metrics = existsSync(metricsFile)
    ? (JSON.parse(await readFile(metricsFile, "utf8")) as Record<string, unknown>)
    : {};
  const { hyperparameters, ...rest } = metrics as { hyperparameters?: Record<string, unknown> };
  return {
    adapterFile,
    baseModelPath: await resolveModelPath(config.model.source, { modelsDir: modelsDirOf(config) }),
    dataset: null,
    hyperparameters: hyperparameters ?? {},
    metrics: rest,
  };
}
