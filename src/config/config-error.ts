// A configuration value that cannot be used. The CLI prints its message as one line and exits 2.
import { SaigaError } from "../errors/saiga-error.js";

/** Thrown when a setting has a bad value; `message` names the setting, the value and what is expected. */
export class ConfigError extends SaigaError {
  override readonly name = "ConfigError";

  constructor(
    /** Dotted path of the setting, e.g. `model.contextSize`. */
    readonly setting: string,
    /** The value as given (already redacted when it is a secret). */
    readonly value: unknown,
    /** What would have been accepted. */
    readonly expected: string,
    /** Where the value came from: a file name or an environment variable. */
    readonly source: string,
    /** The whole message, for an error that must not show the value. Default: setting, value, source and what is expected. */
    message = `bad setting ${setting} = ${formatValue(value)} (from ${source}): ${expected}`,
  ) {
    super("CONFIG_INVALID", message);
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
