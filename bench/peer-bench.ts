// `npm run bench:peer`: the project's engine against llama.cpp's own llama-server, built from the
// same llama.cpp source node-llama-cpp ships, on the synthetic 113M F16 model, CPU only, same
// threads. Interleaved, 3 repetitions, medians: aggregate tok/s and TTFT at 1/4/8/16 concurrent
// requests at 1 and 2 threads, then the multi-chat workload (KV state beyond the pool).
// Writes bench/results/peer.json and the table in docs/BENCHMARKS.md. Not part of CI (~30 min).
import { SaigaEngine } from "../src/engine/index.js";
import { markdownTable, machineInfo, round, updateBenchmarksDoc, writeResult } from "./bench-report.js";
import { engineTarget, type CompletionTarget, type TimedCompletion } from "./peer/completion-target.js";
import { ensureLlamaCppTools } from "./peer/llama-cpp-build.js";
import { startLlamaServer } from "./peer/llama-server-process.js";
import { median, runMultiChatWorkload, type TurnResult } from "./peer/multi-chat-workload.js";
import { syntheticModel } from "./synthetic-model.js";

const THREADS = [1, 2];
const CONCURRENCY = [1, 4, 8, 16];
const REPETITIONS = Number(process.env.PEER_REPETITIONS ?? 3);
const PROMPT_TOKENS = 108;
const ANSWER_TOKENS = 48;
const MULTI_CHAT = {
  chats: Number(process.env.PEER_CHATS ?? 32),
  turns: Number(process.env.PEER_TURNS ?? 6),
  inFlight: 4,
  threads: 2,
};

interface ConcurrencyRun {
  target: string;
  threads: number;
  concurrent: number;
  repetition: number;
  /** Completion tokens of all requests / wall time from the first request to the last answer. */
  tokensPerSecond: number;
  medianTtftMs: number;
}

/** A prompt of exactly PROMPT_TOKENS tokens, unique per request (nothing reused from a cache). */
function uniquePrompt(engine: SaigaEngine, id: string): string {
  let text = `request ${id}.`;
  const filler = " Tell me a long story about the sea, the wind and the ships that sail far away.";
  while (engine.model.tokenize(text).length < PROMPT_TOKENS - 1) text += filler;
  while (engine.model.tokenize(text).length > PROMPT_TOKENS - 1) text = text.slice(0, -1);
  return text; // + BOS = PROMPT_TOKENS
}

async function measureConcurrent(
  target: CompletionTarget,
  prompts: string[],
): Promise<{ tokensPerSecond: number; medianTtftMs: number }> {
  const started = performance.now();
  const results: TimedCompletion[] = await Promise.all(
    prompts.map((prompt) => target.complete(prompt, ANSWER_TOKENS)),
  );
  const wall = performance.now() - started;
  const tokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
  return { tokensPerSecond: (tokens * 1000) / wall, medianTtftMs: median(results.map((r) => r.ttftMs)) };
}

function createEngine(
  modelPath: string,
  threads: number,
  sequences: number,
  contextSize: number,
  stateCache = true,
) {
  return SaigaEngine.create({
    modelPath,
    chatFormat: "saiga_v2",
    contextSize,
    sequences,
    threads,
    gpu: "cpu",
    // As `saiga start` runs it (model.stateCache's default budget is 1 GiB).
    stateCache: { maxBytes: stateCache ? 2 ** 30 : 0, dir: null },
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: ANSWER_TOKENS, seed: 1 },
  });
}

async function concurrencySweep(llamaServer: string, modelPath: string): Promise<ConcurrencyRun[]> {
  const runs: ConcurrencyRun[] = [];
  for (const threads of THREADS) {
    const engine = await createEngine(modelPath, threads, 16, 512);
    const server = await startLlamaServer({
      binary: llamaServer,
      modelPath,
      threads,
      parallel: 16,
      contextPerSlot: 512,
      cacheRamMiB: 0,
    });
    const targets = [engineTarget("saiga", engine), server];
    try {
      for (const target of targets) await target.complete(uniquePrompt(engine, `warm-${threads}`), 8);
      for (let repetition = 0; repetition < REPETITIONS; repetition++) {
        for (const concurrent of CONCURRENCY) {
          // Alternate who goes first: a shared, noisy machine drifts over a run.
          const order = (repetition + concurrent) % 2 ? targets : [...targets].reverse();
          for (const target of order) {
            const prompts = Array.from({ length: concurrent }, (_, i) =>
              uniquePrompt(engine, `${target.name}-${threads}-${repetition}-${concurrent}-${i}`),
            );
            const measured = await measureConcurrent(target, prompts);
            const run = { target: target.name, threads, concurrent, repetition, ...measured };
            runs.push(run);
            console.error(
              `${run.target} threads=${threads} concurrent=${concurrent} rep=${repetition}: ` +
                `${round(run.tokensPerSecond)} tok/s, TTFT ${round(run.medianTtftMs)} ms`,
            );
          }
        }
      }
    } finally {
      await server.stop();
      await engine.close();
    }
  }
  return runs;
}

/** The workload on each target, and what saiga's state cache did during its run. */
async function multiChat(llamaServer: string, modelPath: string) {
  const results: { target: string; turns: TurnResult[] }[] = [];
  let stateCacheStats: ReturnType<SaigaEngine["stateCacheStats"]> | undefined;
  const options = { chats: MULTI_CHAT.chats, turns: MULTI_CHAT.turns, inFlight: MULTI_CHAT.inFlight };
  const contextPerSlot = 2048;
  for (const cacheRamMiB of [0, 8192]) {
    const server = await startLlamaServer({
      binary: llamaServer,
      modelPath,
      threads: MULTI_CHAT.threads,
      parallel: MULTI_CHAT.inFlight,
      contextPerSlot,
      cacheRamMiB,
    });
    try {
      results.push({ target: server.name, turns: await runMultiChatWorkload(server, options) });
    } finally {
      await server.stop();
    }
    console.error(JSON.stringify(results.at(-1)));
  }
  for (const stateCache of [false, true]) {
    const engine = await createEngine(
      modelPath,
      MULTI_CHAT.threads,
      MULTI_CHAT.inFlight,
      contextPerSlot,
      stateCache,
    );
    const name = stateCache ? "saiga" : "saiga, no state cache";
    try {
      results.push({ target: name, turns: await runMultiChatWorkload(engineTarget(name, engine), options) });
      if (stateCache) stateCacheStats = engine.stateCacheStats();
    } finally {
      await engine.close();
    }
    console.error(JSON.stringify(results.at(-1)));
  }
  return { results, stateCacheStats };
}

function summarize(runs: ConcurrencyRun[]) {
  const rows = [];
  for (const threads of THREADS) {
    for (const concurrent of CONCURRENCY) {
      const of = (target: string) =>
        runs.filter((r) => r.target === target && r.threads === threads && r.concurrent === concurrent);
      const saiga = of("saiga");
      const peer = of("llama-server");
      const saigaTps = median(saiga.map((r) => r.tokensPerSecond));
      const peerTps = median(peer.map((r) => r.tokensPerSecond));
      const saigaTtft = median(saiga.map((r) => r.medianTtftMs));
      const peerTtft = median(peer.map((r) => r.medianTtftMs));
      rows.push({
        threads,
        concurrent,
        llamaServerTokensPerSecond: round(peerTps),
        saigaTokensPerSecond: round(saigaTps),
        ratio: round(saigaTps / peerTps),
        llamaServerTtftMs: round(peerTtft),
        saigaTtftMs: round(saigaTtft),
        ttftRatio: round(saigaTtft / peerTtft),
      });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const tools = await ensureLlamaCppTools();
  const modelPath = await syntheticModel();
  const probe = await createEngine(modelPath, 1, 1, 512);
  const binary = probe.info.binary;
  await probe.close();
  const runs = await concurrencySweep(tools.llamaServer, modelPath);
  const table = summarize(runs);
  const { results: chats, stateCacheStats } = await multiChat(tools.llamaServer, modelPath);
  const saigaTurns = chats.find((c) => c.target === "saiga")?.turns ?? [];
  const saves = stateCacheStats?.saves ?? 0;
  const loads = stateCacheStats?.loads ?? 0;
  const cachedPeer = chats.find((c) => c.target.includes("prompt cache"))?.turns ?? [];
  const ttftAt = (turns: TurnResult[], index: number) => turns[index]?.medianTtftMs ?? NaN;
  const last = MULTI_CHAT.turns - 1;
  const checks = {
    ratioAtLeast1Everywhere: table.every((row) => row.ratio >= 1),
    ttft16Within1_1: table.filter((row) => row.concurrent === 16).every((row) => row.ttftRatio <= 1.1),
    lastTurnWithin1_5OfFirst: ttftAt(saigaTurns, last) <= 1.5 * ttftAt(saigaTurns, 0),
    lastTurnNotAboveCachedLlamaServer: ttftAt(saigaTurns, last) <= ttftAt(cachedPeer, last),
  };
  const result = {
    benchmark: "peer",
    machine: await machineInfo(),
    llamaCpp: tools.tag,
    saigaBinary: binary,
    model: "synthetic 113M F16",
    promptTokens: PROMPT_TOKENS,
    answerTokens: ANSWER_TOKENS,
    repetitions: REPETITIONS,
    table,
    runs,
    multiChat: { ...MULTI_CHAT, results: chats, stateCache: stateCacheStats },
    checks,
  };
  const file = await writeResult("peer", result);
  console.error(`wrote ${file}`);

  const chatRows = Array.from({ length: MULTI_CHAT.turns }, (_, turn) => [
    turn + 1,
    ...chats.flatMap((c) => [
      `${round(ttftAt(c.turns, turn))} ms`,
      `${Math.round((c.turns[turn]?.reusedShare ?? NaN) * 100)}%`,
    ]),
  ]);
  await updateBenchmarksDoc(
    "peer",
    [
      `Measured ${result.machine.date as string} on ${result.machine.cpu as string} (${result.machine.logicalCpus as number} vCPUs), ` +
        `node-llama-cpp ${result.machine.nodeLlamaCpp as string} (${binary}), llama-server ${tools.tag} built natively from the same source. ` +
        `Synthetic 113M F16 model, CPU only, ${PROMPT_TOKENS}-token prompts, ${ANSWER_TOKENS}-token greedy answers; medians of ${REPETITIONS} interleaved repetitions.`,
      "",
      markdownTable(
        [
          "threads",
          "concurrent",
          "llama-server tok/s",
          "saiga tok/s",
          "saiga / llama-server",
          "TTFT llama-server ms",
          "TTFT saiga ms",
          "TTFT ratio",
        ],
        table.map((r) => [
          r.threads,
          r.concurrent,
          r.llamaServerTokensPerSecond,
          r.saigaTokensPerSecond,
          r.ratio,
          r.llamaServerTtftMs,
          r.saigaTtftMs,
          r.ttftRatio,
        ]),
      ),
      "",
      `Multi-chat workload: ${MULTI_CHAT.chats} chats, ~150 tokens more per turn, round-robin, ${MULTI_CHAT.inFlight} sequences/slots, ${MULTI_CHAT.threads} threads (median TTFT, share of the prompt reused):`,
      "",
      markdownTable(["turn", ...chats.flatMap((c) => [`${c.target} TTFT`, "reused"])], chatRows),
      "",
      `saiga's state cache: ${saves} saves (mean ${round((stateCacheStats?.saveMs ?? 0) / Math.max(1, saves))} ms), ` +
        `${loads} loads (mean ${round((stateCacheStats?.loadMs ?? 0) / Math.max(1, loads))} ms), ${stateCacheStats?.hits ?? 0} hits, ${stateCacheStats?.misses ?? 0} misses.`,
      "",
      `Targets: saiga / llama-server ≥ 1.0 everywhere: ${checks.ratioAtLeast1Everywhere ? "met" : "**not met**"}; ` +
        `TTFT at 16 ≤ 1.1×: ${checks.ttft16Within1_1 ? "met" : "**not met**"}; ` +
        `turn ${MULTI_CHAT.turns} TTFT ≤ 1.5× turn 1: ${checks.lastTurnWithin1_5OfFirst ? "met" : "**not met**"}; ` +
        `turn ${MULTI_CHAT.turns} TTFT ≤ llama-server with its prompt cache: ${checks.lastTurnNotAboveCachedLlamaServer ? "met" : "**not met**"}.`,
    ].join("\n"),
  );
}

await main();
