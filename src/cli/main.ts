// The `saiga` command: registers one subcommand per file and turns errors into exit codes
// (2 for bad settings and arguments, 1 for everything else).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/index.js";
import { SaigaError } from "../errors/saiga-error.js";
import { GgufError } from "../gguf/index.js";
import { redactSecrets } from "../log/index.js";
import { chatCommand } from "./commands/chat-command.js";
import { engineCommand } from "./commands/engine-command.js";
import { gatewayCommand } from "./commands/gateway-command.js";
import { startCommand } from "./commands/start-command.js";
import { modelCommand } from "./commands/model-command.js";
import { promptCommand } from "./commands/prompt-command.js";
import { datasetCommand } from "./commands/dataset-command.js";
import { trainCommand } from "./commands/train-command.js";
import { trainerCommand } from "./commands/trainer-command.js";
import { adaptersCommand } from "./commands/adapters-command.js";
import { apiCommand } from "./commands/api-command.js";
import { dataCommand } from "./commands/data-command.js";
import { evalCommand } from "./commands/eval-command.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Builds the command tree (exported for tests of the help texts). */
export function buildProgram(): Command {
  const program = new Command("saiga")
    .description(
      "saiga-bot: a Telegram chatbot on local Saiga models (llama.cpp).\n" +
        "Settings come from config/default.yaml, the file given by --config or SAIGA_CONFIG, and environment variables.",
    )
    .version(version, "-V, --version")
    .option(
      "-c, --config <file>",
      "YAML file with settings merged over config/default.yaml (env: SAIGA_CONFIG)",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent (env: LOG_LEVEL)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.addCommand(startCommand());
  program.addCommand(engineCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(apiCommand());
  program.addCommand(chatCommand());
  program.addCommand(promptCommand());
  program.addCommand(modelCommand());
  program.addCommand(datasetCommand());
  program.addCommand(trainCommand());
  program.addCommand(trainerCommand());
  program.addCommand(evalCommand());
  program.addCommand(dataCommand());
  program.addCommand(adaptersCommand());
  exitOverrideAll(program.commands);
  return program;
}

/** Usage errors of every subcommand, nested ones (`model fetch`) too, end with exit code 2. */
function exitOverrideAll(commands: readonly Command[]): void {
  for (const command of commands) {
    command.exitOverride();
    exitOverrideAll(command.commands);
  }
}

/** Runs the CLI with `argv` and returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help, for --help and --version).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`saiga: ${error.message}\n`);
    return 2;
  }
  if (error instanceof SaigaError || error instanceof GgufError) {
    process.stderr.write(`saiga: ${error.message}\n`);
    return 1;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`saiga: unexpected error: ${redactSecrets(text, secretsFromEnv())}\n`);
  return 1;
}

function secretsFromEnv(): string[] {
  return [
    process.env.BOT_TOKEN,
    process.env.SAIGA_TELEGRAM_TOKEN,
    process.env.SAIGA_DASHBOARD_PASSWORD,
  ].filter((v): v is string => !!v);
}
