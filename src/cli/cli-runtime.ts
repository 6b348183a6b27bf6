// What every command starts with: the configuration (exit 2 on a bad value) and the logger.
import type { Command } from "commander";
import { loadConfig, type Config } from "../config/index.js";
import { createLogger, type Logger } from "../log/index.js";

/** Configuration and logger of one CLI run. */
export interface CliRuntime {
  config: Config;
  log: Logger;
}

/**
 * Loads the configuration named by the global `--config` option (or SAIGA_CONFIG) with the
 * given command-line overrides, and creates the logger. Errors propagate to main's handler.
 */
export function startCli(command: Command, overrides: Record<string, unknown> = {}): CliRuntime {
  const globals = command.optsWithGlobals<{ config?: string; logLevel?: string }>();
  const cliOverrides = { ...overrides, ...(globals.logLevel ? { "log.level": globals.logLevel } : {}) };
  const config = loadConfig({ file: globals.config, overrides: withoutUndefined(cliOverrides) });
  const log = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: [
      config.telegram.token,
      config.telegram.webhook.secretToken,
      config.training.gate.judgeApiKey,
      config.dashboard.password,
    ],
  });
  return { config, log };
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
