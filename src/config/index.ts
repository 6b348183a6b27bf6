// Configuration: the schema, the loader and its error.
export { configSchema, type Config, CHAT_FORMATS, LOG_LEVELS, GPU_BACKENDS } from "./config-schema.js";
export { loadConfig, DEFAULT_CONFIG_FILE, type LoadConfigOptions } from "./load-config.js";
export { ConfigError } from "./config-error.js";
export { ENV_ALIASES, envNameOf } from "./env-overrides.js";
