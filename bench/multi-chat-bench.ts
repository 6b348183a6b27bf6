// KV state beyond the pool (`npm run bench:multi-chat`): the multi-chat workload of bench:peer
// (many chats, ~150 tokens more per turn, round-robin, as many in flight as sequences) on the
// synthetic 113M model, with the sequence state cache on and off. Prints JSON, writes
// bench/results/multi-chat.json and its section of docs/BENCHMARKS.md.
// Parameters (env): MULTI_CHAT_CHATS (32), MULTI_CHAT_TURNS (6), MULTI_CHAT_SEQUENCES (4),
// MULTI_CHAT_THREADS (2), MULTI_CHAT_CACHE (`on`, `off` or `both`; default both).
import { SaigaEngine, type SaigaEngineOptions } from "../src/engine/index.js";
import { machineInfo, markdownTable, round, updateBenchmarksDoc, writeResult } from "./bench-report.js";
import { engineTarget } from "./peer/completion-target.js";
import { runMultiChatWorkload, type TurnResult } from "./peer/multi-chat-workload.js";
import { syntheticModel } from "./synthetic-model.js";

const CHATS = Number(process.env.MULTI_CHAT_CHATS ?? 32);
const TURNS = Number(process.env.MULTI_CHAT_TURNS ?? 6);
const SEQUENCES = Number(process.env.MULTI_CHAT_SEQUENCES ?? 4);
const THREADS = Number(process.env.MULTI_CHAT_THREADS ?? 2);
const CACHE = process.env.MULTI_CHAT_CACHE ?? "both";
const CONTEXT_SIZE = 2048;
/** Room for 32 chats of 6 turns (~1000 tokens, ~37 KB a token on this model): nothing is evicted. */
const CACHE_BYTES = 2 ** 31;

interface Run {
  stateCache: boolean;
  turns: TurnResult[];
  /** Turn T's median TTFT / turn 1's. Target with the cache: ≤ 1.5. */
  lastToFirstTtft: number;
  cache: ReturnType<SaigaEngine["stateCacheStats"]> & { meanSaveMs: number; meanLoadMs: number };
}

async function measure(modelPath: string, stateCache: boolean): Promise<Run> {
  const options: SaigaEngineOptions = {
    modelPath,
    chatFormat: "saiga_v2",
    contextSize: CONTEXT_SIZE,
    sequences: SEQUENCES,
    threads: THREADS,
    gpu: "cpu",
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: 48, seed: 1 },
    stateCache: { maxBytes: stateCache ? CACHE_BYTES : 0, dir: null },
  };
  const engine = await SaigaEngine.create(options);
  try {
    const turns = await runMultiChatWorkload(engineTarget("saiga", engine), {
      chats: CHATS,
      turns: TURNS,
      inFlight: SEQUENCES,
    });
    const stats = engine.stateCacheStats();
    const run: Run = {
      stateCache,
      turns,
      lastToFirstTtft: round((turns.at(-1)?.medianTtftMs ?? NaN) / (turns[0]?.medianTtftMs ?? NaN)),
      cache: {
        ...stats,
        meanSaveMs: stats.saves ? round(stats.saveMs / stats.saves) : 0,
        meanLoadMs: stats.loads ? round(stats.loadMs / stats.loads) : 0,
      },
    };
    console.error(JSON.stringify(run));
    return run;
  } finally {
    await engine.close();
  }
}

const modelPath = await syntheticModel();
const runs: Run[] = [];
if (CACHE !== "off") runs.push(await measure(modelPath, true));
if (CACHE !== "on") runs.push(await measure(modelPath, false));
const result = {
  machine: await machineInfo(),
  model: "synthetic 113M F16",
  parameters: {
    chats: CHATS,
    turns: TURNS,
    sequences: SEQUENCES,
    threads: THREADS,
    contextSize: CONTEXT_SIZE,
  },
  runs,
};
console.log(JSON.stringify(result, null, 2));
await writeResult("multi-chat", result);

const rows = runs.flatMap((run) =>
  run.turns.map((turn) => [
    run.stateCache ? "on" : "off",
    turn.turn,
    turn.promptTokens,
    round(turn.medianTtftMs),
    `${Math.round(turn.reusedShare * 100)}%`,
  ]),
);
const notes = runs.map(
  (run) =>
    `- state cache ${run.stateCache ? "on" : "off"}: turn ${TURNS} TTFT = ${run.lastToFirstTtft}× turn 1` +
    (run.stateCache
      ? ` (target ≤ 1.5); ${run.cache.saves} saves of ${run.cache.meanSaveMs} ms, ${run.cache.loads} loads of ` +
        `${run.cache.meanLoadMs} ms on average, ${run.cache.hits} hits, ${run.cache.misses} misses, ` +
        `${Math.round(run.cache.bytes / 2 ** 20)} MiB held at the end.`
      : "."),
);
await updateBenchmarksDoc(
  "multi-chat",
  [
    `${CHATS} chats, ${TURNS} turns, ${SEQUENCES} sequences, ${THREADS} threads, synthetic 113M F16, ` +
      `${(result.machine as { cpu: string }).cpu}, ${String(result.machine.date).slice(0, 10)}.`,
    "",
    markdownTable(["state cache", "turn", "prompt tokens", "median TTFT ms", "prompt reused"], rows),
    "",
    ...notes,
  ].join("\n"),
);
