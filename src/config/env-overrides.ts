// Environment variables → configuration overrides. The well-known names (BOT_TOKEN, MODEL, …)
// are aliases; every setting is also reachable as SAIGA_ + its path in UPPER_SNAKE_CASE.
import { ConfigError } from "./config-error.js";

/** Variables that name a setting directly, as documented in the README. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  BOT_TOKEN: "telegram.token",
  TELEGRAM_API_ROOT: "telegram.apiRoot",
  ADMIN_IDS: "telegram.adminIds",
  REDIS_URL: "redis.url",
  MODEL: "model.source",
  LOG_LEVEL: "log.level",
};

/** SAIGA_ variables that are not settings. */
const NON_SETTING_VARIABLES = new Set(["SAIGA_CONFIG"]);

/** One override: where it came from and the parsed value for `path`. */
export interface EnvOverride {
  path: string;
  variable: string;
  value: unknown;
}

/** `model.contextSize` → `SAIGA_MODEL_CONTEXT_SIZE`. */
export function envNameOf(path: string): string {
  return (
    "SAIGA_" +
    path
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/\./g, "_")
      .toUpperCase()
  );
}

/** Every leaf setting path in `defaults` with its default value. */
export function leafSettings(defaults: Record<string, unknown>, prefix = ""): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  for (const [key, value] of Object.entries(defaults)) {
    const path = prefix + key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [p, v] of leafSettings(value as Record<string, unknown>, path + ".")) leaves.set(p, v);
    } else leaves.set(path, value);
  }
  return leaves;
}

/**
 * Reads the overrides from `env`. The text of a variable is turned into the kind of value its
 * default has (numbers, lists, null), so that the schema can then judge it like a YAML value.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv, defaults: Record<string, unknown>): EnvOverride[] {
  const leaves = leafSettings(defaults);
  const byVariable = new Map<string, string>();
  for (const path of leaves.keys()) byVariable.set(envNameOf(path), path);
  for (const [alias, path] of Object.entries(ENV_ALIASES)) byVariable.set(alias, path);

  const overrides: EnvOverride[] = [];
  for (const [variable, text] of Object.entries(env)) {
    if (text === undefined) continue;
    const path = byVariable.get(variable);
    if (path === undefined) {
      if (variable.startsWith("SAIGA_") && !NON_SETTING_VARIABLES.has(variable)) {
        // The value is never shown: a misspelt variable may well hold a key.
        const expected = "see config/default.yaml for the names";
        throw new ConfigError(
          variable,
          undefined,
          expected,
          "environment",
          `unknown setting ${variable} (${expected})`,
        );
      }
      continue;
    }
    overrides.push({ path, variable, value: parseEnvValue(text, leaves.get(path)) });
  }
  // Aliases win over the long SAIGA_ form when both are given: they are the documented names.
  return overrides.sort((a, b) => Number(a.variable in ENV_ALIASES) - Number(b.variable in ENV_ALIASES));
}

function parseEnvValue(text: string, defaultValue: unknown): unknown {
  const trimmed = text.trim();
  if (Array.isArray(defaultValue)) {
    if (trimmed === "") return [];
    return trimmed.split(",").map((item) => parseScalar(item.trim(), 0));
  }
  return parseScalar(trimmed, defaultValue);
}

function parseScalar(text: string, defaultValue: unknown): unknown {
  const numberLike = typeof defaultValue === "number" || defaultValue === null || defaultValue === "auto";
  if (defaultValue === null && text === "") return null;
  // Any setting that may be null (ops.port, training.schedule): the schema judges whether null is allowed.
  if (text === "null") return null;
  if (typeof defaultValue === "boolean") {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    return text;
  }
  if (numberLike && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  return text;
}
