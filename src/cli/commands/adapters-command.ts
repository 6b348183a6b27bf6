// `saiga adapters list|activate|rollback`: the LoRA adapter registry. Activation and rollback
// reach every engine at once (they hot-swap; answers in progress finish on the old adapter).
import { Command } from "commander";
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
  return adapters;
}
