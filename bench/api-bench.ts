// `npm run bench:api`: what the OpenAI-compatible HTTP API costs on top of the engine, in one run:
// - aggregate streaming tokens/s through the API (HTTP → queue → engine worker → Redis Stream →
//   SSE) vs the same engine called directly, at 1/4/8/16 concurrent streams, on the ~113M
//   synthetic model with the thread count `auto` chooses;
// - the API's added time to first token: with a null engine (answers at once), HTTP request →
//   first content chunk vs the service called directly (GenerationClient.submit → first delta).
// Writes bench/results/api.json and the table in docs/BENCHMARKS.md.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { runApi, type RunningApi } from "../src/api/run-api.js";
import { loadConfig } from "../src/config/index.js";
import { SaigaEngine } from "../src/engine/index.js";
import { createLogger } from "../src/log/index.js";
import { EnginePresence } from "../src/service/engine-presence.js";
import { EngineWorker } from "../src/service/engine-worker.js";
import type { GenerationBackend } from "../src/service/generation-backend.js";
import { createServiceRuntime, type ServiceRuntime } from "../src/service/service-runtime.js";
import { deleteKeys } from "../tests/helpers/delete-keys.js";
import {
  machineInfo,
  markdownTable,
  percentile,
  round,
  updateBenchmarksDoc,
  writeResult,
} from "./bench-report.js";
import { NullEngine } from "./null-engine.js";
import { BENCH_DIR, syntheticModel } from "./synthetic-model.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const STREAMS = [1, 4, 8, 16];
const ANSWER_TOKENS = 48;
const SYSTEM_PROMPT = "Ты — Сайга.";
const TTFT_REQUESTS = 300;

/** An API on a fresh key prefix, served by an engine worker around `engine`, all in this process. */
class ApiStack {
  readonly prefix = `bench-${randomUUID().slice(0, 8)}`;
  readonly runtime: ServiceRuntime;
  private worker!: EngineWorker;
  private presence!: EnginePresence;
  private api!: RunningApi;

  constructor(private readonly engine: GenerationBackend) {
    const config = loadConfig({
      env: {
        SAIGA_REDIS_PREFIX: this.prefix,
        SAIGA_API_PORT: "0",
        SAIGA_API_HOST: "127.0.0.1",
        // One local caller measuring: no per-caller limits in the way.
        SAIGA_API_LIMITS_MESSAGES_PER_MINUTE: "0",
        SAIGA_API_LIMITS_CONCURRENT: "64",
      },
    });
    this.runtime = createServiceRuntime(config, REDIS_URL, createLogger({ level: "silent" }), {
      name: "bench",
    });
  }

  get url(): string {
    return this.api.url;
  }

  async start(concurrency: number): Promise<this> {
    const { runtime } = this;
    this.worker = new EngineWorker({
      engine: this.engine,
      connection: runtime.blockingConnection("worker"),
      redis: runtime.redis,
      keys: runtime.keys,
      store: runtime.chats,
      systemPrompt: SYSTEM_PROMPT,
      concurrency,
    });
    await this.worker.waitUntilReady();
    this.presence = new EnginePresence(runtime.redis, runtime.keys, () => ({
      model: path.basename(this.engine.info.modelPath),
      adapter: null,
      sequences: concurrency,
      contextSize: 2048,
    }));
    await this.presence.start();
    this.api = await runApi(runtime);
    return this;
  }

  /** One streamed chat completion over HTTP: ms to the first content chunk, and the completion tokens. */
  async stream(content: string): Promise<{ firstContentMs: number; completionTokens: number }> {
    const started = performance.now();
    const response = await fetch(`${this.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "saiga",
        messages: [{ role: "user", content }],
        max_tokens: ANSWER_TOKENS,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    let firstContentMs = NaN;
    let completionTokens = 0;
    let buffered = "";
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        const data = event.replace(/^data: /, "");
        if (data === "[DONE]") continue;
        const parsed = JSON.parse(data) as {
          choices: { delta?: { content?: string } }[];
          usage?: { completion_tokens: number } | null;
        };
        if (Number.isNaN(firstContentMs) && parsed.choices[0]?.delta?.content)
          firstContentMs = performance.now() - started;
        if (parsed.usage) completionTokens = parsed.usage.completion_tokens;
      }
    }
    return { firstContentMs, completionTokens };
  }

  /** The same request through the service directly: ms to the first delta. */
  async direct(content: string): Promise<number> {
    const started = performance.now();
    const [requestId] = await this.runtime.generation.submit({
      messages: [{ role: "user", content }],
      sampling: { maxTokens: ANSWER_TOKENS, temperature: 0 },
    });
    let first = NaN;
    for await (const entry of this.runtime.generation.follow(requestId!)) {
      if (entry.type === "delta" && Number.isNaN(first)) first = performance.now() - started;
    }
    return first;
  }

  async close(): Promise<void> {
    await this.api.close();
    await this.presence.stop();
    await this.worker.close();
    await this.runtime.generation.queue.obliterate({ force: true }).catch(() => undefined);
    await deleteKeys(this.runtime.redis, `*${this.prefix}*`);
    await this.runtime.close();
  }
}

/** Added time to first token: the API and the service alternately, one request at a time. */
async function addedFirstToken() {
  const stack = await new ApiStack(new NullEngine()).start(16);
  try {
    // Warm up: JIT, Redis scripts, pooled stream readers, HTTP keep-alive.
    for (let i = 0; i < 50; i++) {
      await stack.stream(`warm ${i}`);
      await stack.direct(`warm ${i}`);
    }
    const api: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < TTFT_REQUESTS; i++) {
      api.push((await stack.stream(`ttft ${i}`)).firstContentMs);
      direct.push(await stack.direct(`ttft ${i}`));
    }
    return {
      requests: TTFT_REQUESTS,
      api_p50_ms: percentile(api, 50),
      api_p99_ms: percentile(api, 99),
      direct_p50_ms: percentile(direct, 50),
      direct_p99_ms: percentile(direct, 99),
      added_p50_ms: round(percentile(api, 50) - percentile(direct, 50)),
    };
  } finally {
    await stack.close();
  }
}

async function throughput(engine: SaigaEngine) {
  const stack = await new ApiStack(engine).start(16);
  const direct = async (streams: number, run: string) => {
    const started = performance.now();
    const tokens = await Promise.all(
      Array.from({ length: streams }, async (_, i) => {
        let count = 0;
        const request = { messages: [{ role: "user" as const, content: `${run} ${i}: Привет!` }] };
        for await (const event of engine.generate(request)) {
          if (event.type === "end") count = event.stats.completionTokens;
        }
        return count;
      }),
    );
    return (tokens.reduce((a, b) => a + b, 0) * 1000) / (performance.now() - started);
  };
  const viaApi = async (streams: number, run: string) => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: streams }, (_, i) => stack.stream(`${run} ${i}: Привет!`)),
    );
    return (results.reduce((sum, r) => sum + r.completionTokens, 0) * 1000) / (performance.now() - started);
  };
  const rows = [];
  try {
    await viaApi(4, "warm-up");
    for (const streams of STREAMS) {
      // Two rounds, alternating, best of each: the machine is noisy and the first run warms up.
      let directBest = 0;
      let apiBest = 0;
      for (let round = 0; round < 2; round++) {
        const run = `${streams}-${round}-${randomUUID().slice(0, 4)}`;
        directBest = Math.max(directBest, await direct(streams, `direct ${run}`));
        apiBest = Math.max(apiBest, await viaApi(streams, `api ${run}`));
      }
      rows.push({
        streams,
        api_tokens_per_s: round(apiBest),
        direct_tokens_per_s: round(directBest),
        ratio: round(apiBest / directBest),
      });
      console.error(JSON.stringify(rows.at(-1)));
    }
  } finally {
    await stack.close();
  }
  return rows;
}

async function main(): Promise<void> {
  // The added latency first, while the process is small and quiet (no model loaded yet).
  const firstToken = await addedFirstToken();
  console.error(JSON.stringify(firstToken));
  const engine = await SaigaEngine.create({
    modelPath: await syntheticModel(),
    chatFormat: "saiga_v2",
    systemPrompt: SYSTEM_PROMPT,
    contextSize: 2048,
    sequences: 16,
    threads: "auto",
    threadCalibrationCache: path.join(BENCH_DIR, "thread-calibration.json"),
    gpu: "cpu",
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: ANSWER_TOKENS, seed: 1 },
  });
  const threads = engine.info.threads;
  const rows = await throughput(engine);
  await engine.close();

  const result = {
    benchmark: "api",
    machine: await machineInfo(),
    model: "synthetic 113M F16",
    threads,
    answer_tokens: ANSWER_TOKENS,
    throughput: rows,
    first_token_null_engine: firstToken,
    targets: {
      api_at_least_95_percent_of_direct: rows.every((row) => row.ratio >= 0.95),
      added_first_token_p50_at_most_5ms: firstToken.added_p50_ms <= 5,
    },
  };
  const file = await writeResult("api", result);
  console.error(`wrote ${file}\n${JSON.stringify(result.targets)}`);
  await updateBenchmarksDoc(
    "api",
    [
      `Measured ${result.machine.date as string} on ${result.machine.cpu as string}, synthetic 113M F16 model, ${threads} thread(s), ${ANSWER_TOKENS}-token streamed answers, CPU only; API, worker and clients in one process.`,
      "",
      markdownTable(
        ["concurrent streams", "API tok/s", "engine direct tok/s", "API / direct"],
        rows.map((r) => [r.streams, r.api_tokens_per_s, r.direct_tokens_per_s, r.ratio]),
      ),
      "",
      markdownTable(
        ["null engine, one request at a time", "p50 ms", "p99 ms"],
        [
          ["HTTP → first content chunk (API)", firstToken.api_p50_ms, firstToken.api_p99_ms],
          ["submit → first delta (service)", firstToken.direct_p50_ms, firstToken.direct_p99_ms],
          ["added by the API (p50)", firstToken.added_p50_ms, ""],
        ],
      ),
      "",
      `Targets: ${JSON.stringify(result.targets)}`,
    ].join("\n"),
  );
  process.exit(0);
}

await main();
