// Measures which CPU thread count decodes fastest for a loaded model on this machine. The number
// of physical cores is only a starting point: on shared or throttled machines (like the 2-vCPU CI
// and development machines of this project) one thread beats two by 1.8–18×, and more threads
// than cores is 140–1100× slower (docs/BENCHMARKS.md). The result is cached per model and machine.
import { readFile, stat, writeFile, mkdir, rename } from "node:fs/promises";
import { cpus } from "node:os";
import path from "node:path";
import type { LlamaModel, Token } from "node-llama-cpp";
import type { Logger } from "../log/index.js";
import { physicalCoreCount } from "./thread-count.js";

/** Decoding time each candidate gets per round (after at least MIN_TOKENS). */
const ROUND_MS = 300;
const MIN_TOKENS = 4;
const MAX_TOKENS = 48;
/** A candidate with fewer threads wins unless a larger one is faster by more than this. */
const TIE_TOLERANCE = 0.05;

/** What was measured and chosen. */
export interface ThreadCalibration {
  threads: number;
  /** Best decode tokens/s of each candidate. */
  measured: { threads: number; tokensPerSecond: number }[];
}

/** Thread counts worth trying on a machine with `cores` physical cores. */
export function threadCandidates(cores: number): number[] {
  const candidates = new Set<number>([1, cores, Math.max(1, cores - 1)]);
  for (let n = 2; n < cores; n *= 2) candidates.add(n);
  if (cores <= 4) for (let n = 1; n <= cores; n++) candidates.add(n);
  return [...candidates].sort((a, b) => a - b);
}

/**
 * Returns the fastest thread count for `model`, measured by greedy decoding on a small context
 * (two alternating rounds, the best of each candidate), or the cached answer from `cacheFile`.
 */
export async function calibrateThreads(
  model: LlamaModel,
  options: { cacheFile?: string; log?: Logger; signal?: AbortSignal } = {},
): Promise<ThreadCalibration> {
  const key = await cacheKey(model);
  const cached = options.cacheFile ? (await readCache(options.cacheFile))[key] : undefined;
  if (cached) return cached;

  const candidates = threadCandidates(physicalCoreCount());
  const best = new Map<number, number>();
  if (candidates.length > 1) {
    options.log?.info(
      { candidates },
      "measuring the fastest CPU thread count for this model (once per model and machine)",
    );
    for (let round = 0; round < 2; round++) {
      for (const threads of candidates) {
        options.signal?.throwIfAborted();
        const speed = await decodeSpeed(model, threads);
        best.set(threads, Math.max(best.get(threads) ?? 0, speed));
      }
    }
  } else best.set(candidates[0] ?? 1, 0);

  let chosen = candidates[0] ?? 1;
  for (const threads of candidates) {
    if ((best.get(threads) ?? 0) > (best.get(chosen) ?? 0) * (1 + TIE_TOLERANCE)) chosen = threads;
  }
  const calibration: ThreadCalibration = {
    threads: chosen,
    measured: candidates.map((threads) => ({
      threads,
      tokensPerSecond: Math.round((best.get(threads) ?? 0) * 10) / 10,
    })),
  };
  if (options.cacheFile) await writeCache(options.cacheFile, key, calibration);
  return calibration;
}

async function decodeSpeed(model: LlamaModel, threads: number): Promise<number> {
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads });
  try {
    const sequence = context.getSequence();
    const prompt: Token[] = model.tokenize("Привет! Hello!").slice(0, 16);
    let tokens = 0;
    let started = 0;
    for await (const token of sequence.evaluate(
      prompt.length > 0 ? prompt : [model.tokens.bos ?? (0 as Token)],
      {
        temperature: 0,
      },
    )) {
      void token;
      if (tokens++ === 0) started = performance.now(); // the first token includes prompt evaluation
      const elapsed = performance.now() - started;
      if (tokens > MAX_TOKENS || (tokens > MIN_TOKENS && elapsed > ROUND_MS))
        return ((tokens - 1) * 1000) / elapsed;
    }
    const elapsed = performance.now() - started;
    return tokens > 1 && elapsed > 0 ? ((tokens - 1) * 1000) / elapsed : 0;
  } finally {
    await context.dispose();
  }
}

async function cacheKey(model: LlamaModel): Promise<string> {
  const file = await stat(model.filename ?? "").catch(() => undefined);
  const cpu = cpus()[0]?.model ?? "cpu";
  // The binary matters too: the native build's OpenMP threads scale where the prebuilt's do not.
  return [
    model.filename,
    file?.size,
    file?.mtimeMs,
    cpu,
    cpus().length,
    model.gpuLayers,
    model.llama.buildType,
  ].join("|");
}

async function readCache(file: string): Promise<Record<string, ThreadCalibration>> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, ThreadCalibration>;
  } catch {
    return {}; // missing or unreadable: measure again
  }
}

async function writeCache(file: string, key: string, calibration: ThreadCalibration): Promise<void> {
  const cache = await readCache(file);
  cache[key] = calibration;
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, JSON.stringify(cache, null, 2) + "\n");
  await rename(partial, file);
}
