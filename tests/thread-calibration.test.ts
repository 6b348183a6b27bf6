// `model.threads: auto`: the thread count is measured on the real model, once per model and machine.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrateThreads, physicalCoreCount, threadCandidates } from "../src/engine/index.js";
import { demoModelPath } from "./helpers/test-engine.js";

describe("threadCandidates", () => {
  it("tries every count up to 4 cores, and a spread beyond", () => {
    expect(threadCandidates(1)).toEqual([1]);
    expect(threadCandidates(2)).toEqual([1, 2]);
    expect(threadCandidates(4)).toEqual([1, 2, 3, 4]);
    expect(threadCandidates(16)).toEqual([1, 2, 4, 8, 15, 16]);
  });
});

describe("physicalCoreCount", () => {
  it("counts (package, core) pairs, not SMT siblings", () => {
    const cpu = (physical: number, core: number) =>
      `processor\t: x\nphysical id\t: ${physical}\ncore id\t\t: ${core}\n`;
    const smt = [cpu(0, 0), cpu(0, 0), cpu(0, 1), cpu(0, 1)].join("\n");
    expect(physicalCoreCount(smt)).toBe(Math.min(2, physicalCoreCount(null)));
  });
});

describe("calibrateThreads", () => {
  let model: LlamaModel;
  const cacheFile = path.join(mkdtempSync(path.join(tmpdir(), "saiga-threads-")), "thread-calibration.json");

  beforeAll(async () => {
    const llama = await getLlama({ gpu: false, build: "never" });
    model = await llama.loadModel({ modelPath: await demoModelPath() });
  });
  afterAll(() => model.dispose());

  it("measures every candidate on the model and picks the fastest, preferring fewer threads", async () => {
    const calibration = await calibrateThreads(model, { cacheFile });
    const candidates = threadCandidates(physicalCoreCount());
    expect(calibration.measured.map((m) => m.threads)).toEqual(candidates);
    for (const m of calibration.measured) expect(m.tokensPerSecond).toBeGreaterThan(0);
    const best = Math.max(...calibration.measured.map((m) => m.tokensPerSecond));
    const chosen = calibration.measured.find((m) => m.threads === calibration.threads);
    expect(chosen!.tokensPerSecond).toBeGreaterThanOrEqual(best / 1.05 - 1e-9);
  });

  it("remembers the answer for this model and machine instead of measuring again", async () => {
    const cache = JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, { threads: number }>;
    const keys = Object.keys(cache);
    expect(keys).toHaveLength(1);
    // An answer only the cache can know: calibrateThreads must return it without measuring.
    cache[keys[0]!] = { threads: 7, measured: [] } as never;
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await calibrateThreads(model, { cacheFile })).threads).toBe(7);
  });
});
