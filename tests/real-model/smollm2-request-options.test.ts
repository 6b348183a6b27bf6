// SmolLM2 (a real instruct model) with the request options of the OpenAI-compatible API: a JSON
// schema answer to a real question, a stop string that cuts a known greedy answer, and a raw
// prompt continued without the chat template.
import { describe, expect, it } from "vitest";
import { ask, collectGeneration } from "../helpers/collect-generation.js";
import { smollm2Engine } from "../helpers/smollm2-engine.js";

const greedy = { temperature: 0, maxTokens: 48 } as const;

describe("SmolLM2 request options", () => {
  it("answers a real question in JSON that follows the schema", async () => {
    const engine = await smollm2Engine();
    const schema = {
      type: "object",
      properties: { country: { type: "string" }, capital: { type: "string" } },
      required: ["country", "capital"],
      additionalProperties: false,
    };
    const { text, stats } = await engine.complete({
      messages: ask("What is the capital of France? Answer in JSON."),
      sampling: { ...greedy, maxTokens: 80 },
      responseFormat: { type: "json_schema", schema },
    });
    expect(stats.stopReason).toBe("eos");
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(["capital", "country"]);
    expect(typeof value.country).toBe("string");
    expect(value.capital).toBe("Paris");
  });

  it("cuts its greedy answer before a stop string that spans several tokens", async () => {
    const engine = await smollm2Engine();
    const request = { messages: ask("What is the capital of France?"), sampling: greedy };
    const free = await engine.complete(request);
    expect(free.text).toContain("France is Paris");
    const stop = "France is P"; // " France", " is", " Paris": three tokens
    expect(engine.model.tokenize(stop, false).length).toBeGreaterThan(2);

    const { deltas, end } = await collectGeneration(engine.generate({ ...request, stop: [stop] }));
    expect(end.stats.stopReason).toBe("stop");
    expect(end.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(end.text).toMatch(/capital of $/);
    expect(deltas.join("")).toBe(end.text);
  });

  it("continues a raw prompt as text, without the chat template", async () => {
    const engine = await smollm2Engine();
    const { text, stats } = await engine.complete({
      prompt: "The capital of France is",
      sampling: { ...greedy, maxTokens: 8 },
    });
    expect(text).toMatch(/^ Paris/);
    // SmolLM2 wants no BOS in front: the prompt is its own tokens only.
    expect(stats.promptTokens).toBe(engine.model.tokenize("The capital of France is", false).length);
  });
});
