// Runs llama.cpp's llama-server on a model for the peer benchmark, and streams completions from it.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
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
      ...[
        "--cache-ram",
        String(options.cacheRamMiB),
        "--no-webui",
        "-ngl",
        "0",
        ...(process.env.PEER_SERVER_LOG ? [] : ["--log-disable"]),
      ],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (process.env.PEER_SERVER_LOG) process.stderr.write(chunk);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, child, () => stderr);
  return {
    name: `llama-server${options.cacheRamMiB > 0 ? " + prompt cache" : ""}`,
    complete: (prompt, maxTokens) => streamCompletion(port, prompt, maxTokens),
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

/**
 * A greedy streamed /completion; TTFT at the first chunk with text, as a user would see it. One
 * connection per request (node:http without an agent): fetch's pooled keep-alive sockets were
 * reused just as llama-server closed them ("other side closed").
 */
async function streamCompletion(port: number, prompt: string, maxTokens: number): Promise<TimedCompletion> {
  const started = performance.now();
  const body = JSON.stringify({
    prompt,
    n_predict: maxTokens,
    temperature: 0,
    top_k: 1,
    stream: true,
    cache_prompt: true,
    ignore_eos: true,
  });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port, path: "/completion", method: "POST", agent: false },
      resolve,
    );
    request.on("error", reject);
    request.setHeader("content-type", "application/json");
    request.end(body);
  });
  if (response.statusCode !== 200) throw new Error(`llama-server answered ${response.statusCode}`);
  let firstTextAt: number | undefined;
  let last: CompletionChunk | undefined;
  let buffered = "";
  let text = "";
  const take = (line: string) => {
    if (!line.startsWith("data:")) return;
    const chunk = JSON.parse(line.slice(5)) as CompletionChunk & { error?: unknown };
    if (chunk.error) throw new Error(`llama-server: ${JSON.stringify(chunk.error)}`);
    if (chunk.content) {
      firstTextAt ??= performance.now();
      text += chunk.content;
    }
    last = chunk;
  };
  response.setEncoding("utf8");
  for await (const piece of response as AsyncIterable<string>) {
    buffered += piece;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      take(buffered.slice(0, newline).trim());
      buffered = buffered.slice(newline + 1);
    }
  }
  take(buffered.trim());
  const ended = performance.now();
  const timings = last?.timings;
  if (!timings) throw new Error(`llama-server's stream ended without timings: ${JSON.stringify(last)}`);
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
