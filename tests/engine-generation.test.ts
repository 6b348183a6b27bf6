// Generation on the demo model through real llama.cpp: streaming, determinism, limits, abort,
// trimming and the too-long error. The demo model's replies are gibberish by construction, and
// which bytes it samples depends on the CPU's kernels, so nothing here asserts on them: where a
// test needs an answer of some length, it first finds a request that gives one on this machine.
// (The UTF-8 hold-back is tested on crafted tokens in token-text-stream.test.ts.)
import { describe, expect, it } from "vitest";
import {
  PromptTooLongError,
  type ChatMessage,
  type GenerationEvent,
  type SaigaEngine,
  type SamplingOptions,
} from "../src/engine/index.js";
import { ask, collectGeneration } from "./helpers/collect-generation.js";
import { testEngine } from "./helpers/test-engine.js";

/**
 * The first request built from `candidates` whose answer reaches its maxTokens on this engine (the
 * same request gives the same tokens again). Fails when none does, rather than testing nothing.
 */
async function findRequest<T>(
  engine: SaigaEngine,
  candidates: readonly T[],
  build: (candidate: T) => { messages: ChatMessage[]; sampling: Partial<SamplingOptions> },
) {
  for (const candidate of candidates) {
    const request = build(candidate);
    const { stats } = await engine.complete(request);
    if (stats.stopReason === "maxTokens") return request;
  }
  throw new Error(`none of ${candidates.join(", ")} gives a long enough answer`);
}

describe("generate", () => {
  it("streams deltas that add up to the final text, and reports stats", async () => {
    const engine = await testEngine();
    const { deltas, end } = await collectGeneration(
      engine.generate({ messages: ask("Привет!"), sampling: { maxTokens: 16, seed: 1 } }),
    );
    expect(deltas.join("")).toBe(end.text);
    expect(end.stats.promptTokens).toBeGreaterThan(100);
    expect(end.stats.completionTokens).toBeLessThanOrEqual(16);
    expect(end.stats.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(["eos", "maxTokens"]).toContain(end.stats.stopReason);
  });

  it("is deterministic with a fixed seed, and another seed gives another answer", async () => {
    const engine = await testEngine();
    const request = (seed: number) => ({
      messages: ask("Расскажи сказку"),
      sampling: { temperature: 1, maxTokens: 24, seed },
    });
    const first = await engine.complete(request(42));
    const second = await engine.complete(request(42));
    expect(second.text).toBe(first.text);
    // At temperature 1 some other seed gives another answer (one alone might happen to agree).
    const others = await Promise.all([43, 44, 45].map((seed) => engine.complete(request(seed))));
    expect(others.some((other) => other.text !== first.text)).toBe(true);
  });

  it("stops at maxTokens", async () => {
    const engine = await testEngine();
    // A prompt whose greedy answer on this machine is longer than 5 tokens.
    const prompt = await findRequest(engine, ["a", "b", "Привет", "long", "Расскажи сказку"], (content) => ({
      messages: ask(content),
      sampling: { temperature: 0, maxTokens: 8 },
    }));
    const { stats } = await engine.complete({
      messages: prompt.messages,
      sampling: { temperature: 0, maxTokens: 5 },
    });
    expect(stats.stopReason).toBe("maxTokens");
    expect(stats.completionTokens).toBe(5);
  });

  it("stops when the signal aborts, keeping the text so far", async () => {
    const engine = await testEngine();
    // A seed whose answer on this machine runs to 8 tokens at least, so that the abort comes first.
    const { sampling } = await findRequest(engine, [5, 6, 7, 8, 9], (seed) => ({
      messages: ask("long"),
      sampling: { maxTokens: 8, temperature: 1, seed },
    }));
    const controller = new AbortController();
    let end: Extract<GenerationEvent, { type: "end" }> | undefined;
    for await (const event of engine.generate(
      { messages: ask("long"), sampling: { ...sampling, maxTokens: 500 } },
      controller.signal,
    )) {
      if (event.type === "delta") controller.abort();
      if (event.type === "end") end = event;
    }
    expect(end?.stats.stopReason).toBe("aborted");
    // The first delta comes within 5 tokens (the stream holds back at most 4).
    expect(end?.stats.completionTokens).toBeLessThanOrEqual(5);
    expect(end?.text.length).toBeGreaterThan(0);
  });

  it("serves two conversations at once on two sequences", async () => {
    const engine = await testEngine();
    const [a, b] = await Promise.all([
      engine.complete({ messages: ask("first"), sampling: { maxTokens: 12, seed: 1 } }),
      engine.complete({ messages: ask("second"), sampling: { maxTokens: 12, seed: 2 } }),
    ]);
    for (const { stats } of [a, b]) {
      expect(["eos", "maxTokens"]).toContain(stats.stopReason);
      expect(stats.completionTokens).toBeLessThanOrEqual(12);
    }
  });

  it("reuses the evaluated tokens of the previous turn of a conversation", async () => {
    const engine = await testEngine({ sequences: 1 });
    const turn1: ChatMessage[] = ask("Первый вопрос");
    const first = await engine.complete({ messages: turn1, sampling: { maxTokens: 8, seed: 3 } });
    const turn2: ChatMessage[] = [
      ...turn1,
      { role: "assistant", content: first.text },
      { role: "user", content: "Второй" },
    ];
    const second = await engine.complete({ messages: turn2, sampling: { maxTokens: 8, seed: 3 } });
    expect(second.stats.reusedPromptTokens).toBeGreaterThanOrEqual(first.stats.promptTokens);
  });
});

describe("context limits", () => {
  it("trims the oldest turns, keeping the system prompt and the newest user turn", async () => {
    const engine = await testEngine({ contextSize: 512 });
    const history: ChatMessage[] = [{ role: "system", content: "SYSTEM-PROMPT" }];
    for (let turn = 1; turn <= 12; turn++) {
      history.push({ role: "user", content: `question ${turn} ` + "x".repeat(40) });
      history.push({ role: "assistant", content: `answer ${turn} ` + "y".repeat(40) });
    }
    history.push({ role: "user", content: "the newest question" });
    const prompt = engine.buildPrompt(history, 100);
    expect(prompt.droppedMessages).toBeGreaterThan(0);
    expect(prompt.tokens.length).toBeLessThanOrEqual(512 - 100);
    expect(prompt.messages[0]).toEqual({ role: "system", content: "SYSTEM-PROMPT" });
    expect(prompt.messages.at(-1)).toEqual({ role: "user", content: "the newest question" });
    expect(prompt.messages[1]?.role).toBe("user"); // whole turns go, never half of one
    // What stays is the newest part of the history, in order.
    expect(prompt.messages.slice(1, -1)).toEqual(
      history.slice(history.length - prompt.messages.length + 1, -1),
    );
    const { stats } = await engine.complete({ messages: history, sampling: { maxTokens: 100 } });
    expect(stats.droppedMessages).toBe(prompt.droppedMessages);
  });

  it("gives a clear error for one message longer than the context", async () => {
    const engine = await testEngine({ contextSize: 256 });
    const generation = engine.complete({ messages: ask("слово ".repeat(400)), sampling: { maxTokens: 32 } });
    await expect(generation).rejects.toBeInstanceOf(PromptTooLongError);
    await expect(generation).rejects.toThrow(/too long.*Send a shorter message/);
    // The engine is still usable afterwards.
    const { stats } = await engine.complete({ messages: ask("ok"), sampling: { maxTokens: 4 } });
    expect(["eos", "maxTokens"]).toContain(stats.stopReason);
  });
});
