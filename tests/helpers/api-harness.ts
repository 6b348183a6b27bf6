// A real `saiga api` process for the tests, reached with the `openai` SDK: its URL from the
// "api listening" log line (the tests' processes listen on a free port, SAIGA_API_PORT=0).
import { writeFileSync } from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { stringify } from "yaml";
import { startNodeProcess, type WorkerProcess } from "./pipeline-harness.js";
import { PROJECT_ROOT } from "./run-saiga.js";

/** A running API process. */
export interface ApiProcess extends WorkerProcess {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** An SDK client with `apiKey`, that never retries (the tests see every 429 and 503). */
  client(apiKey?: string): OpenAI;
}

/** One entry of `api.keys`. */
export interface ApiKeyEntry {
  name: string;
  sha256: string;
  messagesPerMinute?: number;
  dailyTokens?: number;
  concurrent?: number;
}

/** Writes a configuration file with `api.keys` (keys cannot come from environment variables). */
export function writeApiConfig(dir: string, keys: readonly ApiKeyEntry[]): string {
  const file = path.join(dir, "api-config.yaml");
  writeFileSync(file, stringify({ api: { keys } }));
  return file;
}

/**
 * Starts `saiga api` (or `saiga start` with api.enabled) on `prefix` (WORKER_ENV settings, then
 * `env`) and waits until it listens.
 */
export async function startApi(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  command: "api" | "start" = "api",
): Promise<ApiProcess> {
  const api = await startNodeProcess(
    [path.join(PROJECT_ROOT, "bin/saiga.js"), command],
    { REDIS_URL: redisUrl, SAIGA_REDIS_PREFIX: prefix, SAIGA_API_PORT: "0", ...env },
    '"api listening"',
  );
  const url = apiUrlOf(api.log());
  return {
    ...api,
    url,
    client: (apiKey = "none") => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 60_000 }),
  };
}

function apiUrlOf(log: string): string {
  for (const line of log.split("\n")) {
    if (!line.includes('"api listening"')) continue;
    const { url } = JSON.parse(line) as { url?: string };
    if (url) return url;
  }
  throw new Error(`no "api listening" line in the log:\n${log}`);
}

/** A streamed chat completion read to its end: the text of each choice, the chunks as they came. */
export async function readChatStream(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  const texts: string[] = [];
  const finishReasons: (string | null)[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const choice of chunk.choices) {
      texts[choice.index] = (texts[choice.index] ?? "") + (choice.delta.content ?? "");
      if (choice.finish_reason) finishReasons[choice.index] = choice.finish_reason;
    }
  }
  return { chunks, texts, finishReasons };
}
