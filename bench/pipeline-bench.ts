// `npm run bench:pipeline`: what the Redis/BullMQ pipeline costs on top of the engine, in one run
// on the ~113M synthetic model with the thread count `auto` chooses:
// - aggregate tokens/s through the pipeline (enqueue → worker → stream read) vs the same engine
//   called directly, at 1/4/8/16 concurrent chats;
// - time to first token at turn 1 and turn 10 of a chat growing ~150 tokens a turn, with and
//   without KV-cache reuse;
// - the pipeline alone with a null engine (50 tokens, instantly) at 100 requests/s, with the Redis
//   commands each request costs.
// Targets (issue 11): pipeline ≥ 0.95 of the direct engine at every concurrency; null-engine p99
// time to first delta ≤ 10 ms at 100 requests/s. `--overhead-only [--requests N]` runs the last
// part alone and writes nothing (a quick look while tuning).
// Writes bench/results/pipeline.json and the table in docs/BENCHMARKS.md.
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import path from "node:path";
import { Redis } from "ioredis";
import { SaigaEngine } from "../src/engine/index.js";
import { EngineWorker } from "../src/service/engine-worker.js";
import type { GenerationBackend } from "../src/service/generation-backend.js";
import { GenerationClient } from "../src/service/generation-client.js";
import { readTokenStream } from "../src/service/token-stream.js";
import { ChatStore } from "../src/store/chat-store.js";
import { createRedis, type RedisConnection } from "../src/store/redis-connection.js";
import { RedisKeys } from "../src/store/redis-keys.js";
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
const CHATS = [1, 4, 8, 16];
const ANSWER_TOKENS = 48;
const SYSTEM_PROMPT = "Ты — Сайга.";
const TARGET_RATIO = 0.95;
const TARGET_P99_FIRST_DELTA_MS = 10;

/** A producer, a worker around `engine`, and readers, on a fresh key prefix. */
class Pipeline {
  readonly keys = new RedisKeys(`bench-${randomUUID().slice(0, 8)}`);
  readonly redis: RedisConnection = createRedis(REDIS_URL, { role: "worker", name: "bench" });
  readonly workerConnection: RedisConnection = createRedis(REDIS_URL, {
    role: "worker",
    name: "bench-worker",
  });
  readonly store = new ChatStore({
    redis: this.redis,
    keys: this.keys,
    maxMessages: 100,
    idleTtlSeconds: 3600,
  });
  readonly queue = new GenerationClient({ redis: this.redis, keys: this.keys, store: this.store });
  readonly worker: EngineWorker;
  private readonly readers: RedisConnection[] = [];

  constructor(engine: GenerationBackend, concurrency: number) {
    this.worker = new EngineWorker({
      engine,
      connection: this.workerConnection,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      systemPrompt: SYSTEM_PROMPT,
      concurrency,
      leaseRetryMs: 5,
    });
  }

  /** Sends a message and follows its stream: times of the first delta and of the end, from the enqueue. */
  async ask(chatId: string, text: string, settings?: { maxTokens?: number }) {
    if (settings) await this.store.updateSettings(chatId, settings);
    const reader = this.readers.pop() ?? this.redis.duplicate();
    const started = performance.now();
    const { requestId } = await this.queue.enqueue(chatId, { text });
    let firstDelta: number | undefined;
    let completionTokens = 0;
    for await (const entry of readTokenStream(reader, this.keys, requestId, { blockMs: 1000 })) {
      if (entry.type === "delta") firstDelta ??= performance.now() - started;
      if (entry.type === "end") completionTokens = entry.stats?.completionTokens ?? 0;
    }
    this.readers.push(reader);
    return { firstDeltaMs: firstDelta ?? NaN, doneMs: performance.now() - started, completionTokens };
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `*${this.keys.prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== "0");
    await Promise.all(
      [...this.readers, this.redis, this.workerConnection].map((r) => r.quit().catch(() => undefined)),
    );
  }
}

async function createEngine(modelPath: string, reusePrefix: boolean): Promise<SaigaEngine> {
  return SaigaEngine.create({
    modelPath,
    chatFormat: "saiga_v2",
    systemPrompt: SYSTEM_PROMPT,
    contextSize: 2048,
    sequences: 16,
    threads: "auto",
    threadCalibrationCache: path.join(BENCH_DIR, "thread-calibration.json"),
    gpu: "cpu",
    reusePrefix,
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: ANSWER_TOKENS, seed: 1 },
  });
}

async function throughput(engine: SaigaEngine) {
  const rows = [];
  const pipeline = new Pipeline(engine, 16);
  // Over raw and pipeline runs alike: nothing may block the event loop for long (BullMQ locks).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const raw = async (chats: number, run: string) => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: chats }, (_, i) =>
        engine.complete({ messages: [{ role: "user", content: `raw ${run} ${i}: Привет!` }] }),
      ),
    );
    return (
      (results.reduce((sum, r) => sum + r.stats.completionTokens, 0) * 1000) / (performance.now() - started)
    );
  };
  const piped = async (chats: number, run: string) => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: chats }, (_, i) => pipeline.ask(`chat-${run}-${i}`, `pipe ${run} ${i}: Привет!`)),
    );
    return (results.reduce((sum, r) => sum + r.completionTokens, 0) * 1000) / (performance.now() - started);
  };
  try {
    for (const chats of CHATS) {
      // Two rounds, alternating, best of each: the machine is noisy and the first run warms up.
      let rawBest = 0;
      let pipelineBest = 0;
      for (let round = 0; round < 2; round++) {
        const run = `${chats}-${round}-${randomUUID().slice(0, 4)}`;
        rawBest = Math.max(rawBest, await raw(chats, run));
        pipelineBest = Math.max(pipelineBest, await piped(chats, run));
      }
      rows.push({
        chats,
        pipeline_tokens_per_s: round(pipelineBest),
        raw_tokens_per_s: round(rawBest),
        ratio: round(pipelineBest / rawBest),
      });
      console.error(JSON.stringify(rows.at(-1)));
    }
  } finally {
    loopDelay.disable();
    await pipeline.close();
  }
  return {
    rows,
    eventLoopDelayMs: { p99: round(loopDelay.percentile(99) / 1e6), max: round(loopDelay.max / 1e6) },
  };
}

/** A chat that grows ~150 tokens per turn (a ~75-token message and a ~75-token answer). */
async function turnLatency(engine: SaigaEngine) {
  const pipeline = new Pipeline(engine, 4);
  try {
    const chatId = `turns-${randomUUID().slice(0, 6)}`;
    const times: number[] = [];
    for (let turn = 1; turn <= 10; turn++) {
      const message =
        `Turn ${turn}: ` + "tell me more about the steppe and the saiga antelope. ".repeat(2).slice(0, 66);
      const result = await pipeline.ask(chatId, message, turn === 1 ? { maxTokens: 75 } : undefined);
      times.push(result.firstDeltaMs);
    }
    const prompt = (await pipeline.store.history(chatId)).length;
    return { turn1: round(times[0]!), turn10: round(times[9]!), historyTurns: prompt };
  } finally {
    await pipeline.close();
  }
}

/**
 * Counts the commands every ioredis connection of this process sends (BullMQ's own included), by
 * name; a Lua script is one command. Returns the function that stops counting.
 */
function countRedisCommands(counts: Map<string, number>): () => void {
  const original = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, command, stream) {
    const name = (command as { name: string }).name.toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return original.call(this, command, stream);
  };
  return () => {
    Redis.prototype.sendCommand = original;
  };
}

async function overhead(REQUESTS = 500) {
  const pipeline = new Pipeline(new NullEngine(), 16);
  const RATE = 100;
  const counts = new Map<string, number>();
  let stopCounting = () => {};
  try {
    // Warm up: JIT, scripts loaded into Redis, and a pool of reader connections opened.
    await Promise.all(Array.from({ length: 32 }, (_, i) => pipeline.ask(`warm-up-${i}`, "hi")));
    const results: Promise<{ firstDeltaMs: number; doneMs: number }>[] = [];
    stopCounting = countRedisCommands(counts);
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      results.push(pipeline.ask(`null-${i}`, "hi"));
    }
    const done = await Promise.all(results);
    stopCounting();
    const perRequest = Object.fromEntries(
      [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, round(n / REQUESTS)]),
    );
    const first = done.map((r) => r.firstDeltaMs);
    const end = done.map((r) => r.doneMs);
    return {
      requests: REQUESTS,
      rate_per_s: RATE,
      p50_first_delta: percentile(first, 50),
      p99_first_delta: percentile(first, 99),
      p50_done: percentile(end, 50),
      p99_done: percentile(end, 99),
      redis_commands_per_request: round([...counts.values()].reduce((a, b) => a + b, 0) / REQUESTS),
      redis_commands_by_name: perRequest,
    };
  } finally {
    stopCounting();
    await pipeline.close();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--overhead-only")) {
    const requests = process.argv.indexOf("--requests");
    // A quick look while tuning; writes nothing.
    console.error(JSON.stringify(await overhead(requests > 0 ? Number(process.argv[requests + 1]) : 500)));
    process.exit(0);
  }
  // The pipeline alone first, while the process is small and quiet (no model loaded yet).
  const overheadMs = await overhead();
  const modelPath = await syntheticModel();
  const engine = await createEngine(modelPath, true);
  const threads = engine.info.threads;
  console.error(`model ${modelPath}, ${threads} threads (auto)`);
  const { rows, eventLoopDelayMs } = await throughput(engine);
  const withReuse = await turnLatency(engine);
  await engine.close();
  const noReuseEngine = await createEngine(modelPath, false);
  const withoutReuse = await turnLatency(noReuseEngine);
  await noReuseEngine.close();

  const result = {
    benchmark: "pipeline",
    machine: await machineInfo(),
    model: "synthetic 113M F16",
    threads,
    answer_tokens: ANSWER_TOKENS,
    throughput: rows,
    event_loop_delay_ms: eventLoopDelayMs,
    ttft_ms: {
      turn1: withReuse.turn1,
      turn10: withReuse.turn10,
      turn1_no_reuse: withoutReuse.turn1,
      turn10_no_reuse: withoutReuse.turn10,
    },
    overhead_ms: overheadMs,
    targets: {
      pipeline_at_least_95_percent_of_raw: rows.every((row) => row.ratio >= TARGET_RATIO),
      turn10_at_most_1_5x_turn1_with_reuse: withReuse.turn10 <= 1.5 * withReuse.turn1,
      null_engine_p99_first_delta_at_most_10ms: overheadMs.p99_first_delta <= TARGET_P99_FIRST_DELTA_MS,
    },
  };
  const file = await writeResult("pipeline", result);
  console.error(`wrote ${file}\n${JSON.stringify(result.targets)}`);
  await updateBenchmarksDoc(
    "pipeline",
    [
      `Measured ${result.machine.date as string} on ${result.machine.cpu as string}, synthetic 113M F16 model, ${threads} thread(s), ${ANSWER_TOKENS}-token answers, CPU only.`,
      "",
      markdownTable(
        ["target (issue 11)", "measured", "met"],
        [
          [
            `null engine, 100 requests/s: p99 enqueue → first delta ≤ ${TARGET_P99_FIRST_DELTA_MS} ms`,
            `${overheadMs.p99_first_delta} ms`,
            yes(result.targets.null_engine_p99_first_delta_at_most_10ms),
          ],
          [
            `pipeline / direct engine ≥ ${TARGET_RATIO} at every concurrency`,
            `lowest ${Math.min(...rows.map((r) => r.ratio))}`,
            yes(result.targets.pipeline_at_least_95_percent_of_raw),
          ],
          [
            "turn 10 ≤ 1.5 × turn 1 time to first token, with KV reuse",
            `${withReuse.turn10} / ${withReuse.turn1} ms`,
            yes(result.targets.turn10_at_most_1_5x_turn1_with_reuse),
          ],
        ],
      ),
      "",
      markdownTable(
        ["concurrent chats", "pipeline tok/s", "raw engine tok/s", "pipeline / raw"],
        rows.map((r) => [r.chats, r.pipeline_tokens_per_s, r.raw_tokens_per_s, r.ratio]),
      ),
      "",
      `Event-loop delay in the process running worker and producer during those runs: p99 ${eventLoopDelayMs.p99} ms, max ${eventLoopDelayMs.max} ms (BullMQ's lock is ${30_000} ms).`,
      "",
      markdownTable(
        ["time to first token", "turn 1", "turn 10"],
        [
          ["with KV reuse", withReuse.turn1, withReuse.turn10],
          ["without KV reuse", withoutReuse.turn1, withoutReuse.turn10],
        ],
      ),
      "",
      markdownTable(
        ["null engine, 100 requests/s", "p50 ms", "p99 ms"],
        [
          ["enqueue → first delta", overheadMs.p50_first_delta, overheadMs.p99_first_delta],
          ["enqueue → done", overheadMs.p50_done, overheadMs.p99_done],
        ],
      ),
      "",
      `Redis commands per null-engine request, every connection of the process (BullMQ's included; a script is one): ${overheadMs.redis_commands_per_request} — ${Object.entries(
        overheadMs.redis_commands_by_name,
      )
        .map(([name, n]) => `${name} ${n}`)
        .join(", ")}.`,
    ].join("\n"),
  );
  process.exit(0);
}

function yes(met: boolean): string {
  return met ? "yes" : "**no**";
}

await main();
