// KV state beyond the pool, on the demo model through real llama.cpp: more chats than sequences,
// served round-robin and greedy. A chat whose sequence was taken by another gets its saved state
// back, and answers exactly as it would have without the eviction (an engine with a sequence per
// chat) and as an engine that evaluates everything again; the byte budget drops the least
// recently used files; a damaged or missing file only costs the evaluation.
import { mkdtempSync } from "node:fs";
import { readdir, rm, truncate } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatMessage, SaigaEngine } from "../src/engine/index.js";
import { testEngine } from "./helpers/test-engine.js";

const root = mkdtempSync(path.join(os.tmpdir(), "saiga-state-cache-test-"));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A 1-sequence engine whose states go to a folder of its own under `root`. */
function cachedEngine(name: string, maxBytes = 2 ** 30): Promise<SaigaEngine> {
  return testEngine({ sequences: 1, stateCache: { maxBytes, dir: path.join(root, name) } });
}

/** The state files an engine wrote under its folder. */
async function stateFiles(name: string): Promise<string[]> {
  const base = path.join(root, name);
  const files: string[] = [];
  for (const folder of await readdir(base)) {
    for (const file of await readdir(path.join(base, folder))) files.push(path.join(base, folder, file));
  }
  return files;
}

/** Chats that each grow by a user message and the engine's greedy answer per turn. */
type Turn = Awaited<ReturnType<Chats["turn"]>>;

class Chats {
  private readonly histories: ChatMessage[][];

  constructor(
    private readonly engine: SaigaEngine,
    count: number,
  ) {
    this.histories = Array.from({ length: count }, () => []);
  }

  /** The next turn of `chat`: its answer and stats. */
  async turn(chat: number) {
    const history = this.histories[chat]!;
    const turn = history.length / 2;
    history.push({
      role: "user",
      content: `chat ${chat}, question ${turn}: what is the weather like in town ${chat * 7 + turn}?`,
    });
    const result = await this.engine.complete({
      messages: history,
      sampling: { temperature: 0, maxTokens: 12 },
    });
    history.push({ role: "assistant", content: result.text });
    return result;
  }
}

describe("sequence state cache", () => {
  it("restores a chat evicted by others: same greedy answers, its history reused", async () => {
    const cached = await cachedEngine("round-robin");
    const warm = await testEngine({ sequences: 3 }); // a sequence per chat: nothing is evicted
    const cold = await testEngine({ sequences: 1 }); // no cache: every turn evaluated again
    const targets = [cached, warm, cold].map((engine) => new Chats(engine, 3));
    for (let turn = 0; turn < 3; turn++) {
      for (let chat = 0; chat < 3; chat++) {
        const [withCache, withoutEviction, evaluated] = (await Promise.all(
          targets.map((chats) => chats.turn(chat)),
        )) as [Turn, Turn, Turn];
        expect(withCache.text).toBe(withoutEviction.text);
        expect(withCache.text).toBe(evaluated.text);
        if (turn > 0) {
          // Everything but the new user message came from the saved state.
          expect(withCache.stats.reusedPromptTokens).toBe(withoutEviction.stats.reusedPromptTokens);
          expect(withCache.stats.reusedPromptTokens).toBeGreaterThan(evaluated.stats.reusedPromptTokens);
        }
      }
    }
    const stats = cached.stateCacheStats();
    expect(stats).toMatchObject({ hits: 6, failures: 0, entries: 3 });
    expect((await stateFiles("round-robin")).length).toBe(3);
  });

  it("keeps the files within the byte budget, dropping the least recently used", async () => {
    // One chat's state, measured on an engine without a limit.
    const probe = new Chats(await cachedEngine("probe"), 2);
    await probe.turn(0);
    await probe.turn(1);
    const oneState = (await cachedEngine("probe")).stateCacheStats().bytes;
    expect(oneState).toBeGreaterThan(0);

    const maxBytes = Math.floor(oneState * 2.5);
    const engine = await cachedEngine("budget", maxBytes);
    const chats = new Chats(engine, 4);
    const first = [];
    for (let chat = 0; chat < 4; chat++) first.push(await chats.turn(chat)); // saves chats 0, 1, 2
    const stats = engine.stateCacheStats();
    expect(stats.evictions).toBeGreaterThanOrEqual(1);
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect((await stateFiles("budget")).length).toBe(stats.entries);
    // Chat 0, the least recently used, was dropped; chat 2, the most recent, is still there.
    const recent = await chats.turn(2);
    expect(recent.stats.reusedPromptTokens).toBeGreaterThanOrEqual(first[2]!.stats.promptTokens);
    const dropped = await chats.turn(0);
    expect(dropped.stats.reusedPromptTokens).toBeLessThan(first[0]!.stats.promptTokens);
    expect(engine.stateCacheStats().bytes).toBeLessThanOrEqual(maxBytes);
  });

  it("evaluates the prompt when a saved state is damaged or missing, with the same answer", async () => {
    const engine = await cachedEngine("damaged");
    const reference = await testEngine({ sequences: 1, contextSize: 1024 }); // no cache
    const chats = new Chats(engine, 2);
    const expected = new Chats(reference, 2);
    for (const chat of [0, 1]) await Promise.all([chats.turn(chat), expected.turn(chat)]);

    const [saved] = await stateFiles("damaged"); // chat 0's, saved when chat 1 took the sequence
    await truncate(saved!, 100);
    const [afterDamage, wanted] = await Promise.all([chats.turn(0), expected.turn(0)]);
    expect(afterDamage.text).toBe(wanted.text);
    expect(afterDamage.stats.reusedPromptTokens).toBe(wanted.stats.reusedPromptTokens);
    expect(engine.stateCacheStats().failures).toBe(1);

    // Chat 1's state was saved when chat 0 came back; remove its file.
    for (const file of await stateFiles("damaged")) await rm(file, { force: true });
    const [afterLoss, wantedAgain] = await Promise.all([chats.turn(1), expected.turn(1)]);
    expect(afterLoss.text).toBe(wantedAgain.text);
    expect(engine.stateCacheStats()).toMatchObject({ failures: 2, hits: 0 });
  });
});
