// The OpenAI-compatible model of a command (an endpoint side, the judge, the teacher) from its
// url / model / key-env / timeout options. The key is read from the variable the key-env option
// names, never from the command line, where it would show in the process list and the history.
import type { Command } from "commander";
import { OpenAIEndpoint } from "../eval/openai-endpoint.js";

/** What the options said, and which flags said it (for the usage errors). */
export interface EndpointOptionValues {
  url: string;
  model: string;
  /** The environment variable holding the key; none: no key. */
  keyEnv?: string;
  /** One request's time limit in seconds. Default: the endpoint's (120). */
  timeoutSeconds?: number;
  /** Flag names in the messages, e.g. `{ url: "--judge-url", keyEnv: "--judge-key-env" }`. */
  flags: { url: string; keyEnv: string };
  /** The key when the variable is unset or empty (a configured one). Default: none; an unset variable is a usage error. */
  fallbackKey?: string;
}

/**
 * The endpoint the options describe.
 * Exits 2 (a usage error) when the key variable is not set or the URL is not one.
 */
export function endpointFromOptions(values: EndpointOptionValues, command: Command): OpenAIEndpoint {
  const { keyEnv, flags } = values;
  const fromEnv = keyEnv ? process.env[keyEnv] : "";
  const apiKey = values.fallbackKey !== undefined ? fromEnv || values.fallbackKey : fromEnv;
  if (apiKey === undefined)
    command.error(`error: ${flags.keyEnv} ${keyEnv}: the variable ${keyEnv} is not set`, { exitCode: 2 });
  try {
    return new OpenAIEndpoint({
      url: values.url,
      model: values.model,
      apiKey,
      ...(values.timeoutSeconds !== undefined ? { timeoutMs: Math.round(values.timeoutSeconds * 1000) } : {}),
    });
  } catch (error) {
    const issue = (error as { issues?: { message: string }[] }).issues?.[0]?.message;
    command.error(`error: ${flags.url} ${values.url}: ${issue ?? (error as Error).message}`, { exitCode: 2 });
  }
}
