// SmolLM2 (a real instruct model) through the engine: it answers a factual question correctly and
// greedily, and its streamed deltas add up to the answer, in English and in byte-split Cyrillic.
import { describe, expect, it } from "vitest";
import { TokenTextStream } from "../../src/engine/token-text-stream.js";
import { ask, collectGeneration } from "../helpers/collect-generation.js";
import { smollm2Engine } from "../helpers/smollm2-engine.js";

describe("SmolLM2 answers", () => {
  it("answers a plain factual question correctly with greedy decoding", async () => {
    const engine = await smollm2Engine();
    const { text, stats } = await engine.complete({
      messages: ask("What is the capital of France?"),
      sampling: { temperature: 0, maxTokens: 32 },
    });
    expect(text).toContain("Paris");
    expect(stats.promptTokens).toBeGreaterThan(20);
  });

  it("streams deltas that add up to the final text", async () => {
    const engine = await smollm2Engine();
    const { deltas, end } = await collectGeneration(
      engine.generate({
        messages: ask("Name three colours of the rainbow."),
        sampling: { temperature: 0, maxTokens: 32 },
      }),
    );
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(end.text);
    expect(end.text.trim().length).toBeGreaterThan(0);
    expect(end.stats.completionTokens).toBeGreaterThan(3);
  });

  it("streams Cyrillic and emoji that its BPE vocabulary splits across tokens as whole characters", async () => {
    const { model } = await smollm2Engine();
    const text = "Привет, мир! Ёжик — «ёлка» 😀🇷🇺 Ωμέγα";
    const tokens = model.tokenize(text, false);
    // The GPT-2-style vocabulary really does cut some of these characters in the middle.
    const cut = tokens.filter((token) => model.detokenize([token]).includes("\uFFFD"));
    expect(cut.length).toBeGreaterThan(0);
    const stream = new TokenTextStream(model);
    const deltas = [...tokens.map((token) => stream.push(token)), stream.flush()];
    expect(deltas.join("")).toBe(text);
    expect(deltas.some((delta) => delta.includes("\uFFFD"))).toBe(false);
  });
});
