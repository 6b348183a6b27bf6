// Logging: the pino logger and secret redaction.
export { createLogger, type CreateLoggerOptions, type Logger } from "./create-logger.js";
export { redactSecrets, REDACTED } from "./redact-secrets.js";
