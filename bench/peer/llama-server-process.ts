// Runs llama.cpp's llama-server on a model for the peer benchmark, and streams completions from it.
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../tests/helpers/free-port.js";
import type { CompletionTarget, TimedCompletion } from "./completion-target.js";

/** Options of {@link startLlamaServer}. */
export interface LlamaServerOptions {
  binary: string;
  modelPath: string;
  threads: number;
  /** Slots (parallel sequences). */
  parallel: number;
  /** Tokens per slot. */
  contextPerSlot: number;
  /** Host-memory prompt cache in MiB (`--cache-ram`); 0 turns it off. */
  cacheRamMiB: number;
}

/** A running llama-server, as a completion target. */
export interface LlamaServer extends CompletionTarget {
  stop(): Promise<void>;
}

/** Starts llama-server and waits until /health answers 200. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const port = await freePort();
  const child = spawn(
    options.binary,
    [
      ...["-m", options.modelPath, "--host", "127.0.0.1", "--port", String(port)],
      ...["-t", String(options.threads), "-tb", String(options.threads)],
      ...["-np", String(options.parallel), "-c", String(options.parallel * options.contextPerSlot)],
      ...["--cache-ram", String(options.cacheRamMiB), "--no-webui", "-ngl", "0", "--log-disable"],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, child, () => stderr);
  return {
    name: `llama-server${options.cacheRamMiB > 0 ? " + prompt cache" : ""}`,
    complete: (prompt, maxTokens) => streamCompletion(base, prompt, maxTokens),
    stop: () => stopChild(child),
  };
}

async function waitForHealth(base: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama-server exited (${child.exitCode}):\n${stderr()}`);
    const healthy = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`llama-server did not become healthy in 120 s:\n${stderr()}`);
}

interface CompletionChunk {
  content?: string;
  stop?: boolean;
  timings?: { prompt_n: number; cache_n: number; predicted_n: number };
}

/** A greedy streamed /completion; TTFT at the first chunk with text, as a user would see it. */
async function streamCompletion(base: string, prompt: string, maxTokens: number): Promise<TimedCompletion> {
  const started = performance.now();
  const response = await fetch(`${base}/completion`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      prompt,
      n_predict: maxTokens,
      temperature: 0,
      top_k: 1,
      stream: true,
      cache_prompt: true,
      ignore_eos: true,
    }),
  });
  if (!response.ok || !response.body) throw new Error(`llama-server answered ${response.status}`);
  let firstTextAt: number | undefined;
  let last: CompletionChunk | undefined;
  let buffered = "";
  let text = "";
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith("data:")) continue;
      const chunk = JSON.parse(line.slice(5)) as CompletionChunk;
      if (chunk.content) {
        firstTextAt ??= performance.now();
        text += chunk.content;
      }
      last = chunk;
    }
  }
  const ended = performance.now();
  const timings = last?.timings;
  if (!timings) throw new Error("llama-server's stream ended without timings");
  return {
    ttftMs: (firstTextAt ?? ended) - started,
    totalMs: ended - started,
    completionTokens: timings.predicted_n,
    promptTokens: timings.prompt_n + timings.cache_n,
    reusedPromptTokens: timings.cache_n,
    text,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}
