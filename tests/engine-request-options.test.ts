// Every field of a generation request on the demo model through real llama.cpp: raw prompts,
// stop strings (one split across tokens included), JSON and JSON-schema answers, presence and
// frequency penalties, and a LoRA adapter per request on contexts that share the weights. The
// demo model's words are gibberish and depend on the CPU's kernels, so where a test needs some
// text it first reads what this machine generates (greedy decoding gives the same tokens again).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  InvalidConversationError,
  ModelLoadError,
  PromptTooLongError,
  type GenerateRequest,
  type SaigaEngine,
} from "../src/engine/index.js";
import { StopStringMatcher } from "../src/engine/stop-string-matcher.js";
import { ask, collectGeneration } from "./helpers/collect-generation.js";
import { writeRandomAdapter } from "./helpers/random-lora-adapter.js";
import { demoModelPath, testEngine } from "./helpers/test-engine.js";

const greedy = { temperature: 0, maxTokens: 24 } as const;
const dir = mkdtempSync(path.join(tmpdir(), "saiga-request-options-"));

/** A random LoRA adapter for the demo model, strong enough to change its greedy answer. */
async function adapter(name: string, seed: number): Promise<string> {
  const file = path.join(dir, `${name}.gguf`);
  await writeRandomAdapter(await demoModelPath(), file, { seed, stdA: 0.5, stdB: 0.5 });
  return file;
}

describe("raw prompts", () => {
  it("continues the text itself, with no chat template: only BOS and the prompt's own tokens", async () => {
    const engine = await testEngine();
    const prompt = "Жили-были дед да баба";
    const raw = await engine.complete({ prompt, sampling: greedy });
    const chat = await engine.complete({ messages: ask(prompt), sampling: greedy });
    // The demo model's SentencePiece vocabulary wants a BOS in front, as LlamaCompletion puts it.
    expect(engine.model.tokens.shouldPrependBosToken).toBe(true);
    expect(raw.stats.promptTokens).toBe(1 + engine.model.tokenize(prompt, false, "trimLeadingSpace").length);
    expect(chat.stats.promptTokens).toBeGreaterThan(raw.stats.promptTokens + 20); // the template's system prompt
    expect(["eos", "maxTokens"]).toContain(raw.stats.stopReason);
    expect(raw.stats.droppedMessages).toBe(0);
  });

  it("is never trimmed: too long is PromptTooLongError with the token counts", async () => {
    const engine = await testEngine({ contextSize: 256 });
    const generation = engine.complete({ prompt: "слово ".repeat(300), sampling: { maxTokens: 32 } });
    await expect(generation).rejects.toBeInstanceOf(PromptTooLongError);
    await expect(generation).rejects.toThrow(
      /prompt is too long: it needs \d+ tokens, but only 224 of .* 256-token/,
    );
    const error = (await generation.catch((e: unknown) => e)) as PromptTooLongError;
    expect(error.promptTokens).toBeGreaterThan(224);
    expect([error.budget, error.contextSize]).toEqual([224, 256]);
  });

  it("takes exactly one of messages and prompt", async () => {
    const engine = await testEngine();
    for (const request of [{}, { prompt: "a", messages: ask("a") }] as GenerateRequest[]) {
      await expect(engine.complete(request)).rejects.toBeInstanceOf(InvalidConversationError);
    }
  });
});

describe("stop strings", () => {
  it("holds back a possible start of a stop string, and releases it when it is not one", () => {
    const matcher = new StopStringMatcher(["\n\nUser:", "###"]);
    const pieces = ["Hello", "\n", "\n", "Us", "ually", " #", "#", " ok", "\n\nUs", "er", ": more"];
    const released = pieces.map((piece) => matcher.push(piece));
    expect(released.map((r) => r.text)).toEqual([
      "Hello",
      "",
      "",
      "",
      "\n\nUsually",
      " ",
      "",
      "## ok",
      "",
      "",
      "",
    ]);
    expect(released.at(-1)?.stopped).toBe(true);
    expect(released.slice(0, -1).every((r) => !r.stopped)).toBe(true);
    expect(matcher.flush()).toBe("");
    // The earliest of several, and the held text comes back at the end of an answer without one.
    expect(new StopStringMatcher(["b", "abc"]).push("xabc").text).toBe("x");
    const open = new StopStringMatcher(["END"]);
    expect(open.push("the E")).toEqual({ text: "the ", stopped: false });
    expect(open.flush()).toBe("E");
  });

  it("ends the answer before a stop string split across tokens, and no delta holds any of it", async () => {
    const engine = await testEngine();
    const request = { messages: ask("Привет"), sampling: { ...greedy, maxTokens: 48 } };
    const free = await collectGeneration(engine.generate(request));
    const text = free.end.text;
    // A two-character stop string made of the last character of one token's text and the first
    // of the next one's, at its first occurrence in the answer.
    let stop: string | undefined;
    let offset = 0;
    for (let i = 0; i + 1 < free.deltas.length && stop === undefined; i++) {
      offset += free.deltas[i]?.length ?? 0;
      const next = free.deltas[i + 1] ?? "";
      const candidate = text.slice(offset - 1, offset + 1);
      if (next.length > 0 && offset > 1 && text.indexOf(candidate) === offset - 1) stop = candidate;
    }
    if (stop === undefined) throw new Error(`no split stop string found in ${JSON.stringify(free.deltas)}`);

    const { deltas, end } = await collectGeneration(
      engine.generate({ ...request, stop: ["never-there", stop] }),
    );
    expect(end.stats.stopReason).toBe("stop");
    expect(end.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(deltas.join("")).toBe(end.text);
    // Nothing of the stop string was streamed: not its first character either.
    expect(deltas.join("").length).toBe(text.indexOf(stop));
    expect(deltas.some((delta) => delta.includes(stop))).toBe(false);
  });
});

describe("response formats", () => {
  it("json_object: the answer is one JSON object", async () => {
    const engine = await testEngine();
    const answers = [];
    for (const request of [
      { messages: ask("Привет") },
      { messages: ask("Расскажи сказку") },
      { prompt: "Ответ:" },
    ] as GenerateRequest[]) {
      answers.push(
        await engine.complete({
          ...request,
          sampling: { ...greedy, maxTokens: 200 },
          responseFormat: { type: "json_object" },
        }),
      );
    }
    // The grammar has no bound on a string's length, and the demo model may write one until
    // maxTokens; an answer that ended by itself is a whole object, and ended right after it.
    const ended = answers.filter((answer) => answer.stats.stopReason === "eos");
    expect(ended.length).toBeGreaterThan(0);
    for (const { text } of ended) {
      const value: unknown = JSON.parse(text);
      expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
      expect(text.endsWith("}")).toBe(true);
    }
    for (const { text } of answers) expect(text.startsWith("{")).toBe(true);
  });

  it("json_schema: the answer parses and follows the schema", async () => {
    const engine = await testEngine();
    const schema = {
      type: "object",
      properties: {
        name: { type: "string", maxLength: 12 },
        mood: { enum: ["happy", "sad"] },
        ok: { type: "boolean" },
        tags: { type: "array", items: { type: "string", maxLength: 6 }, maxItems: 3 },
        pet: { anyOf: [{ type: "null" }, { const: "cat" }] },
      },
      required: ["name", "mood", "ok", "tags", "pet"],
      additionalProperties: false,
    };
    for (const content of ["Привет", "Кто ты?"]) {
      const { text, stats } = await engine.complete({
        messages: ask(content),
        sampling: { ...greedy, maxTokens: 200 },
        responseFormat: { type: "json_schema", schema },
      });
      expect(stats.stopReason).toBe("eos");
      const value = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(["mood", "name", "ok", "pet", "tags"]);
      expect(typeof value.name === "string" && value.name.length <= 12).toBe(true);
      expect(["happy", "sad"]).toContain(value.mood);
      expect(typeof value.ok).toBe("boolean");
      const tags = value.tags as unknown[];
      expect(Array.isArray(tags) && tags.length <= 3).toBe(true);
      expect(tags.every((tag) => typeof tag === "string" && tag.length <= 6)).toBe(true);
      expect([null, "cat"]).toContain(value.pet);
    }
  });

  it("a schema the grammar cannot enforce is INVALID_RESPONSE_FORMAT, naming the keyword", async () => {
    const engine = await testEngine();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: "foo" }, /schema\.type "foo" is not one of/],
      [{ type: "string", pattern: "^a+$" }, /schema\.pattern is not supported/],
      [{}, /schema needs one of type/],
      [{ type: "object", properties: { a: { $ref: "#/$defs/missing" } } }, /\$defs does not define/],
      [
        { type: "object", properties: { a: { type: "string" } }, required: ["b"] },
        /"b", which is not in properties/,
      ],
    ];
    for (const [schema, message] of cases) {
      const generation = engine.complete({
        messages: ask("hi"),
        responseFormat: { type: "json_schema", schema },
      });
      await expect(generation).rejects.toMatchObject({ code: "INVALID_RESPONSE_FORMAT" });
      await expect(generation).rejects.toThrow(message);
    }
  });
});

describe("presence and frequency penalties", () => {
  it("change the greedy answer of a repetitive prompt, also with the repeat penalty off", async () => {
    const engine = await testEngine();
    const request = { prompt: "a a a a a a a a", sampling: { ...greedy, repeatPenalty: 1, maxTokens: 32 } };
    const plain = await engine.complete(request);
    const again = await engine.complete(request);
    expect(again.text).toBe(plain.text);
    const frequency = await engine.complete({
      ...request,
      sampling: { ...request.sampling, frequencyPenalty: 2 },
    });
    const presence = await engine.complete({
      ...request,
      sampling: { ...request.sampling, presencePenalty: 2 },
    });
    // The plain greedy answer repeats itself; a penalty on repeated tokens makes it more varied.
    const distinct = (text: string) => new Set(text).size;
    expect(distinct(plain.text)).toBeLessThan(10);
    expect(frequency.text).not.toBe(plain.text);
    expect(presence.text).not.toBe(plain.text);
    expect(distinct(frequency.text)).toBeGreaterThan(distinct(plain.text));
    expect(distinct(presence.text)).toBeGreaterThan(distinct(plain.text));
  });
});

describe("an adapter per request", () => {
  async function collectAll(engine: SaigaEngine, request: GenerateRequest) {
    return collectGeneration(engine.generate(request));
  }

  it("answers concurrent requests with their own adapters on contexts over the same weights", async () => {
    const [first, second] = [await adapter("first", 1), await adapter("second", 2)];
    const engine = await testEngine({ adapterContexts: 3 });
    const request = { messages: ask("Что такое сайга?"), sampling: greedy };
    // The reference answers: engines that start with the adapter.
    const reference = {
      bare: await (await testEngine()).complete(request),
      first: await (await testEngine({ adapterPath: first })).complete(request),
      second: await (await testEngine({ adapterPath: second })).complete(request),
    };
    expect(new Set([reference.bare.text, reference.first.text, reference.second.text]).size).toBe(3);

    const [a, b, bare] = await Promise.all([
      collectAll(engine, { ...request, adapterPath: first }),
      collectAll(engine, { ...request, adapterPath: second }),
      collectAll(engine, request),
    ]);
    expect([a.end.adapterPath, a.end.text]).toEqual([first, reference.first.text]);
    expect([b.end.adapterPath, b.end.text]).toEqual([second, reference.second.text]);
    expect([bare.end.adapterPath, bare.end.text]).toEqual([null, reference.bare.text]);
    // null asks for the bare model even when another adapter is current.
    expect(engine.info.adapterPath).toBeNull();
    const contexts = engine.adapterContexts();
    expect(contexts.map((c) => c.adapterPath).sort()).toEqual([first, second, null].sort());
    expect(contexts.filter((c) => c.current).map((c) => c.adapterPath)).toEqual([null]);
  });

  it("over the limit, a request for another adapter waits for a busy context and takes its place", async () => {
    const files = [await adapter("limit-a", 3), await adapter("limit-b", 4), await adapter("limit-c", 5)];
    const [fileA, fileB, fileC] = files as [string, string, string];
    // The current context plus two others.
    const engine = await testEngine({ adapterContexts: 3, batchSize: 128 });
    const long = { messages: ask("Расскажи сказку"), sampling: { ...greedy, maxTokens: 64 } };
    const expected = await (await testEngine({ adapterPath: fileC })).complete(long);
    // A and B started and held open (a generator that is not read on does not go on).
    const a = engine.generate({ ...long, adapterPath: fileA });
    const b = engine.generate({ ...long, adapterPath: fileB });
    await a.next();
    await b.next();
    const c = collectGeneration(engine.generate({ ...long, adapterPath: fileC }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // C has no context yet: the limit is reached and both other contexts are busy.
    expect(engine.adapterContexts().map((x) => x.adapterPath)).toEqual([null, fileA, fileB]);
    for await (const event of a) if (event.type === "end") expect(event.adapterPath).toBe(fileA);
    const answer = await c;
    expect([answer.end.adapterPath, answer.end.text]).toEqual([fileC, expected.text]);
    // A, idle and least recently used, made room.
    expect(engine.adapterContexts().map((x) => x.adapterPath)).toEqual([null, fileB, fileC]);
    for await (const event of b) if (event.type === "end") expect(event.adapterPath).toBe(fileB);

    // Naming an adapter again reuses its context; setAdapter to it makes it current without a new one.
    await engine.setAdapter(fileB);
    expect(engine.adapterContexts().map((x) => [x.adapterPath, x.current])).toEqual([
      [fileB, true],
      [fileC, false],
    ]);
  });

  it("a missing adapter file is ModelLoadError, and the engine goes on", async () => {
    const engine = await testEngine({ adapterContexts: 2 });
    const generation = engine.complete({
      messages: ask("hi"),
      sampling: greedy,
      adapterPath: path.join(dir, "missing.gguf"),
    });
    await expect(generation).rejects.toBeInstanceOf(ModelLoadError);
    await expect(generation).rejects.toThrow(/Adapter file not found: .*missing\.gguf/);
    const { stats } = await engine.complete({ messages: ask("ok"), sampling: { maxTokens: 4 } });
    expect(["eos", "maxTokens"]).toContain(stats.stopReason);
  });

  it("with adapterContexts 1, another adapter is refused with a clear error", async () => {
    const engine = await testEngine({ adapterContexts: 1 });
    const generation = engine.complete({ messages: ask("hi"), adapterPath: await adapter("single", 6) });
    await expect(generation).rejects.toMatchObject({ code: "ADAPTER_CONTEXT_LIMIT" });
    await expect(generation).rejects.toThrow(/Raise model\.adapterContexts/);
  });
});
