// The process logger: pino, human-readable on a terminal and JSON lines otherwise, always on
// stderr (stdout belongs to command output such as `saiga chat --once --json`).
import { pino, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";
import { redactSecrets, REDACTED } from "./redact-secrets.js";

export type { Logger } from "pino";

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LevelWithSilent;
  /** `pretty`, `json`, or `auto` (pretty when stderr is a terminal). Default: `auto`. */
  format?: "auto" | "pretty" | "json";
  /** Secret strings (the bot token) scrubbed from every line, wherever they appear. Default: none. */
  secrets?: readonly string[];
  /** Where lines go. Default: stderr. */
  destination?: NodeJS.WritableStream;
}

/** Object keys whose values are never logged, wherever they sit in a log object. */
const REDACT_PATHS = [
  "token",
  "botToken",
  "*.token",
  "*.botToken",
  "telegram.token",
  "*.telegram.token",
  "secretToken",
  "*.secretToken",
  "judgeApiKey",
  "*.judgeApiKey",
  "telegram.webhook.secretToken",
  "*.telegram.webhook.secretToken",
  "dashboard.password",
  "*.dashboard.password",
  "password",
  "*.password",
  "headers.authorization",
  "*.headers.authorization",
];

/** Creates the logger every part of saiga-bot writes to. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const format = options.format ?? "auto";
  const usePretty =
    format === "pretty" || (format === "auto" && (destination as { isTTY?: boolean }).isTTY === true);
  const secrets = options.secrets ?? [];
  const stream = usePretty
    ? pretty({ destination, colorize: (destination as { isTTY?: boolean }).isTTY === true, sync: true })
    : destination;
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Runs on the serialized line, so secrets inside messages, URLs and error stacks are caught too.
      hooks: { streamWrite: (line) => redactSecrets(line, secrets) },
    },
    stream,
  );
}
