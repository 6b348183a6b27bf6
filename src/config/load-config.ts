// Loads the configuration: config/default.yaml, then an operator's file, then the environment,
// validated as a whole so that every bad value is reported with the setting it belongs to.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { ZodErrorMap, ZodIssue } from "zod";
import { modelPresetOf } from "./model-presets.js";
import { ConfigError } from "./config-error.js";
import { configSchema, type Config } from "./config-schema.js";
import { readEnvOverrides, envNameOf, type EnvOverride } from "./env-overrides.js";

/** The defaults file shipped with the package (works from src/ and from dist/). */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL("../../config/default.yaml", import.meta.url));

/** Settings whose values an error never shows. */
const SECRET_SETTINGS = new Set([
  "telegram.token",
  "telegram.webhook.secretToken",
  "training.gate.judgeApiKey",
  "dashboard.password",
]);

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to read overrides from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** An operator's YAML file merged over the defaults. Default: `env.SAIGA_CONFIG`, else none. */
  file?: string;
  /** Overrides from the command line (dotted paths), applied last. Default: none. */
  overrides?: Record<string, unknown>;
}

/**
 * Returns the validated configuration.
 * @throws {ConfigError} naming the first bad setting, its value, where it came from and what is expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const defaults = readYamlObject(DEFAULT_CONFIG_FILE);
  const merged = structuredClone(defaults);
  const sources = new Map<string, string>();

  const file = options.file ?? env.SAIGA_CONFIG;
  if (file) {
    const fromFile = readYamlObject(file);
    mergeInto(merged, fromFile, "", (path) => sources.set(path, file));
  }
  const envOverrides: EnvOverride[] = readEnvOverrides(env, defaults);
  for (const { path, variable, value } of envOverrides) {
    setPath(merged, path, value);
    sources.set(path, variable);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    setPath(merged, path, value);
    sources.set(path, "command line");
  }
  const preset = modelPresetOf(getPath(merged, ["model", "source"]));
  for (const [path, value] of Object.entries(preset)) {
    if (sources.has(path)) continue;
    setPath(merged, path, value);
    sources.set(path, `the ${String(getPath(merged, ["model", "source"]))} preset`);
  }

  const result = configSchema.safeParse(merged, { errorMap: operatorErrorMap });
  if (result.success) return result.data;
  const issue = result.error.issues[0] as ZodIssue;
  const path = issue.path.join(".");
  const value = getPath(merged, issue.path);
  const source =
    sources.get(path) ??
    (issue.code === "unrecognized_keys" ? (file ?? DEFAULT_CONFIG_FILE) : DEFAULT_CONFIG_FILE);
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.map((key) => (path ? `${path}.${key}` : key));
    throw new ConfigError(
      names.join(", "),
      undefined,
      "unknown setting (see config/default.yaml for the names)",
      source,
    );
  }
  const shown = SECRET_SETTINGS.has(path) ? "[REDACTED]" : value;
  const hint = sources.has(path) ? "" : ` (env ${envNameOf(path)})`;
  throw new ConfigError(path, shown, issue.message + hint, source);
}

/** Zod's defaults read like type errors; operators get "expected …" with the kind of value. */
const operatorErrorMap: ZodErrorMap = (issue, context) => {
  // Keep messages the schema wrote itself; replace zod's generic "Expected number, received string".
  if (issue.code === "invalid_type" && /^(Expected|Required)/.test(context.defaultError)) {
    const kinds: Record<string, string> = {
      number: "a number",
      string: "text",
      array: "a list",
      object: "a mapping of settings",
    };
    return { message: `expected ${kinds[issue.expected] ?? issue.expected}` };
  }
  return { message: context.defaultError };
};

function readYamlObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      "config file",
      file,
      `a readable YAML file (${(error as Error).message})`,
      "SAIGA_CONFIG",
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const firstLine = (error as Error).message.split("\n")[0];
    throw new ConfigError("config file", file, `valid YAML (${firstLine})`, file);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("config file", file, "a YAML mapping of settings", file);
  }
  return parsed as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  prefix: string,
  onSet: (path: string) => void,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix + key;
    const current = target[key];
    if (isPlainObject(current) && isPlainObject(value)) mergeInto(current, value, path + ".", onSet);
    else {
      target[key] = value;
      onSet(path);
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function getPath(target: unknown, path: readonly (string | number)[]): unknown {
  let node = target;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
