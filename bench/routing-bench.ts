// `npm run bench:routing`: how often a chat's next turn finds its KV state on the engine that
// answers it, with 2 `saiga engine` processes on one Redis, with chat routing on (`warm`: the
// chat's next answer goes to the engine that answered it last) and off (`any`: any free engine).
// Workload: N chats, each growing by about 150 tokens a turn (a user message, then the answer),
// served round-robin through the GenerationClient, a few requests in flight. A turn after the
// first is a hit when the engine reused at least half of the chat's history (the prompt and the
// answer of its previous turn) from its KV cache. Writes bench/results/routing.json and the
// table in docs/BENCHMARKS.md.
//
// Options (env): ROUTING_CHATS (default 16), ROUTING_TURNS (4), ROUTING_SEQUENCES (4 per engine),
// ROUTING_IN_FLIGHT (2), ROUTING_MODEL (`demo`, or `synthetic` for the ~113M model), REDIS_URL.
// More chats than the engines' sequences together evict chats from both engines; a KV state
// cache in the engine (model.stateCache) brings those back.
import { randomUUID } from "node:crypto";
import { ChatStore } from "../src/store/chat-store.js";
import { createRedis } from "../src/store/redis-connection.js";
import { RedisKeys } from "../src/store/redis-keys.js";
import type { ChatRoutingMode } from "../src/service/chat-routing.js";
import { GenerationClient } from "../src/service/generation-client.js";
import { readWholeAnswer } from "../src/service/token-stream.js";
import { deleteKeys } from "../tests/helpers/delete-keys.js";
import { startWorker, type WorkerProcess } from "../tests/helpers/pipeline-harness.js";
import {
  machineInfo,
  markdownTable,
  percentile,
  round,
  updateBenchmarksDoc,
  writeResult,
} from "./bench-report.js";
import { syntheticModel } from "./synthetic-model.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const CHATS = Number(process.env.ROUTING_CHATS ?? 16);
const TURNS = Number(process.env.ROUTING_TURNS ?? 4);
const SEQUENCES = Number(process.env.ROUTING_SEQUENCES ?? 4);
const IN_FLIGHT = Number(process.env.ROUTING_IN_FLIGHT ?? 2);
const MODEL = process.env.ROUTING_MODEL ?? "demo";
const ENGINES = 2;
const ANSWER_TOKENS = 48;
/** About 100 tokens of user text a turn (plus the answer: about 150 a turn). */
const USER_WORDS = 50;

interface TurnResult {
  chat: number;
  turn: number;
  promptTokens: number;
  reusedPromptTokens: number;
  /** Tokens of the chat before this turn: the previous turn's prompt and answer. */
  history: number;
  hit: boolean;
  ttftMs: number;
}

/** Runs the workload once on 2 fresh engines with `routing`. */
async function runWorkload(routing: ChatRoutingMode, model: string) {
  const prefix = `bench-routing-${randomUUID().slice(0, 8)}`;
  const keys = new RedisKeys(prefix);
  const redis = createRedis(REDIS_URL, { role: "worker", name: "bench-routing" });
  const store = new ChatStore({ redis, keys, maxMessages: 4 * TURNS, idleTtlSeconds: 3600 });
  const client = new GenerationClient({ redis, keys, store, routing });
  const env = {
    MODEL: model,
    SAIGA_MODEL_SEQUENCES: String(SEQUENCES),
    SAIGA_MODEL_CONTEXT_SIZE: "2048",
    SAIGA_GENERATION_MAX_TOKENS: String(ANSWER_TOKENS),
    SAIGA_QUEUE_LOCK_MS: "30000",
  };
  const engines: WorkerProcess[] = [];
  try {
    for (let i = 0; i < ENGINES; i++)
      engines.push(await startWorker(REDIS_URL, prefix, env, "engine", "engine worker serving"));
    const previous = new Map<number, number>();
    const results: TurnResult[] = [];
    const started = performance.now();
    for (let turn = 1; turn <= TURNS; turn++) {
      // Round-robin over the chats, IN_FLIGHT requests at a time.
      let next = 0;
      const lane = async () => {
        while (next < CHATS) {
          const chat = next++;
          const chatId = `chat-${chat}`;
          if (turn === 1) await store.updateSettings(chatId, { temperature: 0, maxTokens: ANSWER_TOKENS });
          const { requestId } = await client.enqueue(chatId, { text: userText(chat, turn) });
          const reader = redis.duplicate();
          const answer = await readWholeAnswer(reader, keys, requestId, { idleTimeoutMs: 120_000 });
          reader.disconnect();
          const stats = answer?.stats;
          if (!stats) throw new Error(`no answer for ${requestId}`);
          const history = previous.get(chat) ?? 0;
          previous.set(chat, stats.promptTokens + stats.completionTokens);
          results.push({
            chat,
            turn,
            promptTokens: stats.promptTokens,
            reusedPromptTokens: stats.reusedPromptTokens,
            history,
            hit: turn > 1 && stats.reusedPromptTokens >= 0.5 * history,
            ttftMs: stats.timeToFirstTokenMs,
          });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    }
    const wallMs = performance.now() - started;
    const later = results.filter((result) => result.turn > 1);
    return {
      routing,
      hitRate: round(later.filter((result) => result.hit).length / later.length),
      reusedShare: round(
        later.reduce((sum, r) => sum + r.reusedPromptTokens, 0) /
          later.reduce((sum, r) => sum + r.promptTokens, 0),
      ),
      medianTtftMsByTurn: Array.from({ length: TURNS }, (_, i) =>
        percentile(
          results.filter((result) => result.turn === i + 1).map((result) => result.ttftMs),
          50,
        ),
      ),
      wallMs: round(wallMs),
      turns: results,
    };
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
    await client.close();
    await deleteKeys(redis, `*${prefix}*`);
    await redis.quit();
  }
}

/** A user message of about USER_WORDS words, different for every chat and turn. */
function userText(chat: number, turn: number): string {
  const words = Array.from({ length: USER_WORDS }, (_, i) => `слово${(chat * 31 + turn * 7 + i) % 97}`);
  return `Чат ${chat}, ход ${turn}: ${words.join(" ")}`;
}

async function main(): Promise<void> {
  const model = MODEL === "synthetic" ? await syntheticModel() : MODEL;
  const runs = [];
  for (const routing of ["warm", "any"] as const) {
    const run = await runWorkload(routing, model);
    console.log(`routing ${routing}: hit rate ${run.hitRate}, reused ${run.reusedShare}, ${run.wallMs} ms`);
    runs.push(run);
  }
  const workload = {
    engines: ENGINES,
    chats: CHATS,
    turns: TURNS,
    sequences: SEQUENCES,
    inFlight: IN_FLIGHT,
    model: MODEL,
  };
  const file = await writeResult("routing", { machine: await machineInfo(), workload, runs });
  console.log(`wrote ${file}`);
  const table = markdownTable(
    [
      "routing",
      "KV reuse hit rate (turns 2+)",
      "prompt tokens reused",
      ...runs[0]!.medianTtftMsByTurn.map((_, i) => `TTFT turn ${i + 1}`),
      "wall",
    ],
    runs.map((run) => [
      `\`${run.routing}\``,
      `${Math.round(run.hitRate * 100)}%`,
      `${Math.round(run.reusedShare * 100)}%`,
      ...run.medianTtftMsByTurn.map((ms) => `${ms} ms`),
      `${round(run.wallMs / 1000)} s`,
    ]),
  );
  await updateBenchmarksDoc(
    "routing",
    `${ENGINES} engine processes × ${SEQUENCES} sequences, ${CHATS} chats × ${TURNS} turns (about 150 tokens a turn, ${ANSWER_TOKENS}-token answers), round-robin with ${IN_FLIGHT} in flight, model \`${MODEL}\` (median TTFT per turn):\n\n${table}`,
  );
}

await main();
