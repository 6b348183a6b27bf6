// The OpenAI-compatible API as its users meet it: the `openai` SDK against a real `saiga api`
// process and a real `saiga engine` on the demo model, on a real Redis. The demo model's text is
// gibberish by construction, so answers are compared with each other (greedy twice, streamed
// against whole), never with expected words; real answers are in tests/real-model/api-smollm2.test.ts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/api/api-keys.js";
import { AdapterRegistry } from "../src/training/adapter-registry.js";
import { AdapterStore } from "../src/store/adapter-store.js";
import { UserLimits } from "../src/store/user-limits.js";
import { readChatStream, startApi, writeApiConfig, type ApiProcess } from "./helpers/api-harness.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";
import { writeRandomAdapter } from "./helpers/random-lora-adapter.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { demoModelPath } from "./helpers/test-engine.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const work = mkdtempSync(path.join(tmpdir(), "saiga-api-"));

/** Keys of the test's API, each with the limits one test needs. */
const KEYS = {
  limited: "sk-test-limited",
  single: "sk-test-single",
  quota: "sk-test-quota",
  banned: "sk-test-banned",
};

const user = (content: string) => [{ role: "user" as const, content }];

describe("saiga api with the openai SDK (demo model)", () => {
  const client = new PipelineClient(REDIS_URL);
  let engine: WorkerProcess;
  let api: ApiProcess;
  /** The key `saiga api key` made. */
  let testerKey: string;
  let openai: OpenAI;
  /** A message whose greedy answer runs to any max_tokens without meeting EOS here. */
  let longMessage: string;

  beforeAll(async () => {
    const made = await runSaiga(["api", "key", "tester", "--json"]);
    expect(made.code, made.stderr).toBe(0);
    const { key, sha256 } = JSON.parse(made.stdout) as { key: string; sha256: string };
    testerKey = key;
    const config = writeApiConfig(work, [
      { name: "tester", sha256, concurrent: 32, messagesPerMinute: 0 },
      { name: "limited", sha256: hashApiKey(KEYS.limited), messagesPerMinute: 1 },
      { name: "single", sha256: hashApiKey(KEYS.single), concurrent: 1, messagesPerMinute: 0 },
      { name: "quota", sha256: hashApiKey(KEYS.quota), dailyTokens: 10 },
      { name: "banned", sha256: hashApiKey(KEYS.banned) },
    ]);
    [engine, api] = await Promise.all([
      startWorker(REDIS_URL, client.prefix, {
        SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters"),
      }),
      startApi(REDIS_URL, client.prefix, { SAIGA_CONFIG: config }),
    ]);
    openai = api.client(testerKey);
    longMessage = await findLongGreedyMessage(openai);
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    // Secrets never reach a log: the keys travel only in Authorization headers.
    for (const key of [testerKey, ...Object.values(KEYS)]) expect(api.log()).not.toContain(key);
    await client.close();
  });

  const greedy = async (
    content: string,
    extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {},
  ) => {
    const completion = await openai.chat.completions.create({
      model: "saiga",
      messages: user(content),
      temperature: 0,
      max_tokens: 16,
      ...extra,
    });
    return completion.choices[0]?.message.content ?? "";
  };

  it("answers a chat completion whole: one assistant message, finish_reason and usage", async () => {
    const completion = await openai.chat.completions.create({
      model: "saiga",
      messages: [
        { role: "system", content: "You are a test." },
        { role: "user", content: "Hello" },
      ],
      max_tokens: 12,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe("saiga");
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice?.message.role).toBe("assistant");
    expect(typeof choice?.message.content).toBe("string");
    expect(["stop", "length"]).toContain(choice?.finish_reason);
    const usage = completion.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeLessThanOrEqual(12);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it("streams the same text the whole answer has, then finish_reason and [DONE]", async () => {
    const whole = await greedy("Stream me");
    const stream = await openai.chat.completions.create({
      model: "saiga",
      messages: user("Stream me"),
      temperature: 0,
      max_tokens: 16,
      stream: true,
    });
    const { chunks, texts, finishReasons } = await readChatStream(stream);
    expect(chunks[0]?.object).toBe("chat.completion.chunk");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(texts[0]).toBe(whole);
    expect(["stop", "length"]).toContain(finishReasons[0]);
    // No usage unless asked for.
    expect(chunks.every((chunk) => !chunk.usage)).toBe(true);
  });

  it("takes content as text parts: the same answer as the joined string", async () => {
    const parts = await openai.chat.completions.create({
      model: "saiga",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Hel" },
            { type: "text", text: "lo there" },
          ],
        },
      ],
      temperature: 0,
      max_tokens: 16,
    });
    expect(parts.choices[0]?.message.content).toBe(await greedy("Hello there"));
  });

  it("gives n = 2 choices, whole and streamed", async () => {
    const whole = await openai.chat.completions.create({
      model: "saiga",
      messages: user("Two answers"),
      n: 2,
      max_tokens: 8,
    });
    expect(whole.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(whole.choices.every((choice) => choice.message.role === "assistant")).toBe(true);
    const streamed = await readChatStream(
      await openai.chat.completions.create({
        model: "saiga",
        messages: user("Two answers"),
        n: 2,
        max_tokens: 8,
        stream: true,
      }),
    );
    expect(streamed.texts).toHaveLength(2);
    expect(streamed.finishReasons).toHaveLength(2);
    expect(streamed.finishReasons.every((reason) => reason === "stop" || reason === "length")).toBe(true);
  });

  it("ends the answer before a stop string, with finish_reason stop", async () => {
    const free = await greedy(longMessage, { max_tokens: 32 });
    // A stop string from the middle of the free answer (two whole characters, not U+FFFD for a
    // broken byte sequence): the answer must end right before its first occurrence.
    const plain = (char: string | undefined) =>
      char !== undefined && char !== "\uFFFD" && !/[\uD800-\uDFFF]/.test(char);
    const at = Array.from({ length: free.length }, (_, i) => i).find(
      (i) => i >= 3 && plain(free[i]) && plain(free[i + 1]),
    );
    expect(at, `no two plain characters in ${JSON.stringify(free)}`).toBeDefined();
    const stop = free.slice(at, at! + 2);
    const stopped = await openai.chat.completions.create({
      model: "saiga",
      messages: user(longMessage),
      temperature: 0,
      max_tokens: 32,
      stop: [stop, "a stop string that never appears"],
    });
    expect(stopped.choices[0]?.message.content).toBe(free.slice(0, free.indexOf(stop)));
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
  });

  it("gives the same text twice for the same seed", async () => {
    const seeded = () =>
      openai.chat.completions.create({
        model: "saiga",
        messages: user("Tell me something random"),
        temperature: 1,
        seed: 1234,
        max_tokens: 16,
      });
    const first = await seeded();
    const second = await seeded();
    expect(first.choices[0]?.message.content).toBe(second.choices[0]?.message.content);
  });

  it("gives the same n = 2 texts twice for the same seed, each choice its own", async () => {
    const seeded = async () => {
      const completion = await openai.chat.completions.create({
        model: "saiga",
        messages: user("Two random answers"),
        temperature: 1,
        seed: 99,
        n: 2,
        max_tokens: 16,
      });
      return completion.choices.map((choice) => choice.message.content);
    };
    const first = await seeded();
    expect(await seeded()).toEqual(first);
    // Choice i samples with seed + i.
    expect(first[0]).not.toBe(first[1]);
  });

  it("sends the usage as the last chunk with stream_options.include_usage", async () => {
    const { chunks, texts } = await readChatStream(
      await openai.chat.completions.create({
        model: "saiga",
        messages: user("Count my tokens"),
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    expect(last.usage?.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(typeof texts[0]).toBe("string");
  });

  it("reports cached_tokens > 0 when a prompt repeats a prefix", async () => {
    const messages = [
      { role: "system" as const, content: "A long shared system prompt about prefix caching. ".repeat(4) },
      { role: "user" as const, content: "First question" },
    ];
    await openai.chat.completions.create({ model: "saiga", messages, max_tokens: 4 });
    const again = await openai.chat.completions.create({
      model: "saiga",
      messages: [...messages.slice(0, 1), { role: "user", content: "Second question" }],
      max_tokens: 4,
    });
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
  });

  it("continues a raw prompt on /v1/completions, whole and streamed", async () => {
    const whole = await openai.completions.create({
      model: "saiga",
      prompt: "Once upon a time",
      max_tokens: 8,
      temperature: 0,
    });
    expect(whole.object).toBe("text_completion");
    expect(whole.id).toMatch(/^cmpl-/);
    expect(typeof whole.choices[0]?.text).toBe("string");
    // A raw prompt has no chat template around it: only its own tokens (and BOS).
    expect(whole.usage?.prompt_tokens).toBeLessThan(30);
    let streamed = "";
    let finish: string | null = null;
    const stream = await openai.completions.create({
      model: "saiga",
      prompt: "Once upon a time",
      max_tokens: 8,
      temperature: 0,
      stream: true,
    });
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(streamed).toBe(whole.choices[0]?.text);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
  });

  describe("models", () => {
    let version: string;

    beforeAll(async () => {
      // A registered adapter version (random LoRA weights: they change what the model says).
      const file = path.join(work, "random-adapter.gguf");
      await writeRandomAdapter(await demoModelPath(), file, { stdA: 0.5, stdB: 0.5 });
      const registry = new AdapterRegistry(
        new AdapterStore({ redis: client.redis, keys: client.keys }),
        path.join(work, "registry"),
      );
      const manifest = await registry.register({
        adapterFile: file,
        baseModelPath: await demoModelPath(),
        dataset: null,
        hyperparameters: {},
        metrics: {},
      });
      version = manifest.version;
    });

    it("lists saiga, the base model and every adapter version of it", async () => {
      const models = [];
      for await (const model of openai.models.list()) models.push(model);
      const ids = models.map((model) => model.id);
      expect(ids).toEqual(expect.arrayContaining(["saiga", "saiga-demo", version]));
      expect(models.find((model) => model.id === version)).toMatchObject({
        object: "model",
        owned_by: "saiga-bot",
        parent: "saiga-demo",
        status: "candidate",
      });
      expect((await openai.models.retrieve(version)).id).toBe(version);
    });

    it("answers with the adapter version that `model` names", async () => {
      const base = await greedy("Which weights answer?", { model: "saiga-demo" });
      // No adapter is active: `saiga` is the bare model.
      expect(await greedy("Which weights answer?")).toBe(base);
      const adapted = await openai.chat.completions.create({
        model: version,
        messages: user("Which weights answer?"),
        temperature: 0,
        max_tokens: 16,
      });
      expect(adapted.system_fingerprint).toBe(version);
      expect(adapted.choices[0]?.message.content).not.toBe(base);
    });
  });

  describe("errors, each as the SDK's error class", () => {
    it("400 for an unsupported parameter, naming it", async () => {
      const error = await openai.chat.completions
        .create({
          model: "saiga",
          messages: user("hi"),
          tools: [{ type: "function", function: { name: "f", parameters: {} } }],
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, param: "tools", code: "unsupported_parameter" });
    });

    it("400 for a wrong type and for a content part that is not text", async () => {
      const wrongType = await openai.chat.completions
        .create({ model: "saiga", messages: user("hi"), temperature: "hot" as unknown as number })
        .catch((caught: unknown) => caught);
      expect(wrongType).toBeInstanceOf(OpenAI.BadRequestError);
      expect(wrongType).toMatchObject({ param: "temperature" });
      const image = await openai.chat.completions
        .create({
          model: "saiga",
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] },
          ],
        })
        .catch((caught: unknown) => caught);
      expect(image).toBeInstanceOf(OpenAI.BadRequestError);
      expect(image).toMatchObject({ param: "messages[0].content[0].type" });
    });

    it("400 context_length_exceeded with the prompt's and the context's token counts", async () => {
      const error = await openai.chat.completions
        .create({ model: "saiga", messages: user("word ".repeat(2000)), max_tokens: 16 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ code: "context_length_exceeded", param: "messages" });
      // The demo engine runs a 1024-token context (WORKER_ENV); the message needs thousands.
      expect((error as Error).message).toMatch(/maximum context length is 1024 tokens/);
      expect((error as Error).message).toMatch(/need \d{4,} tokens/);
    });

    it("400 context_length_exceeded for a streamed request too (before any chunk)", async () => {
      const error = await openai.chat.completions
        .create({ model: "saiga", messages: user("word ".repeat(2000)), stream: true })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ code: "context_length_exceeded" });
    });

    it("401 for a wrong key and for none", async () => {
      const error = await api
        .client("sk-wrong")
        .models.list()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error).toMatchObject({ code: "invalid_api_key" });
      const none = await fetch(`${api.url}/v1/models`);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({
        error: { type: "invalid_request_error", code: "missing_api_key" },
      });
    });

    it("404 for an unknown model", async () => {
      const error = await openai.chat.completions
        .create({ model: "gpt-17", messages: user("hi") })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ code: "model_not_found", param: "model" });
    });

    it("429 with retry-after over the rate limit", async () => {
      const limited = api.client(KEYS.limited);
      // One request per minute: a second one in the same clock minute is refused (three cover a minute's turn).
      let error: unknown;
      for (let i = 0; i < 3 && !error; i++) {
        await limited.chat.completions
          .create({ model: "saiga", messages: user("hi"), max_tokens: 1 })
          .catch((caught: unknown) => (error = caught));
      }
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error).toMatchObject({ code: "rate_limit_exceeded" });
      const retryAfter = Number(
        (error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after"),
      );
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it("429 insufficient_quota with retry-after once the daily tokens are used", async () => {
      const limits = new UserLimits({
        redis: client.redis,
        keys: client.keys,
        messagesPerMinute: 0,
        dailyTokens: 0,
      });
      await limits.addTokens("api:quota", 10);
      const error = await api
        .client(KEYS.quota)
        .chat.completions.create({ model: "saiga", messages: user("hi") })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error).toMatchObject({ code: "insufficient_quota" });
      expect(
        Number((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")),
      ).toBeGreaterThan(0);
    });

    it("429 for more requests at once than the key may run", async () => {
      const single = api.client(KEYS.single);
      const controller = new AbortController();
      const running = await single.chat.completions.create(
        { model: "saiga", messages: user(longMessage), temperature: 0, max_tokens: 500, stream: true },
        { signal: controller.signal },
      );
      const reading = running[Symbol.asyncIterator]();
      await reading.next(); // the response has begun: the request holds its place
      const error = await single.chat.completions
        .create({ model: "saiga", messages: user("hi"), max_tokens: 1 })
        .catch((caught: unknown) => caught);
      controller.abort();
      await reading.next().catch(() => undefined);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error).toMatchObject({ code: "concurrency_limit_exceeded" });
    });

    it("403 for a banned key", async () => {
      const limits = new UserLimits({
        redis: client.redis,
        keys: client.keys,
        messagesPerMinute: 0,
        dailyTokens: 0,
      });
      await limits.ban("api:banned");
      const error = await api
        .client(KEYS.banned)
        .chat.completions.create({ model: "saiga", messages: user("hi") })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    });
  });

  it("stops the generation when the client aborts", async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "saiga", messages: user(longMessage), temperature: 0, max_tokens: 500, stream: true },
      { signal: controller.signal },
    );
    let requestId = "";
    let chunks = 0;
    // The SDK ends the iteration quietly on its own abort.
    for await (const chunk of stream) {
      requestId = chunk.id.replace(/^chatcmpl-/, "");
      chunks++;
      if (chunk.choices[0]?.delta.content) controller.abort();
    }
    expect(chunks).toBeLessThan(100);
    // The engine's stream of that request ends cancelled, long before its 500 tokens.
    const end = await client.answer(requestId, 10_000);
    expect(end.outcome).toBe("cancelled");
    expect(end.stats?.stopReason).toBe("aborted");
    expect(end.stats?.completionTokens).toBeLessThan(500);
  });

  it("completes 16 concurrent streams", async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, async (_, i) =>
        readChatStream(
          await openai.chat.completions.create({
            model: "saiga",
            messages: user(`Concurrent stream ${i}`),
            max_tokens: 12,
            stream: true,
          }),
        ),
      ),
    );
    for (const { finishReasons } of results) expect(["stop", "length"]).toContain(finishReasons[0]);
  });

  it("serves /health (with the engines) and /metrics on its port without a key", async () => {
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as { status: string; roles: { api: { engines: unknown[] } } };
    expect(report.status).toBe("ok");
    expect(report.roles.api.engines).toHaveLength(1);
    const metrics = await fetch(`${api.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("saiga_errors_total");
  });
});

describe("saiga api without an engine", () => {
  const client = new PipelineClient(REDIS_URL);
  let api: ApiProcess;
  beforeAll(async () => {
    // No keys on 127.0.0.1: no authentication.
    api = await startApi(REDIS_URL, client.prefix);
  });
  afterAll(async () => {
    await api?.stop();
    await client.close();
  });

  it("answers 503 to generation requests and on /health", async () => {
    const error = await api
      .client()
      .chat.completions.create({ model: "saiga", messages: user("anyone there?") })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, code: "engine_unavailable" });
    expect((await fetch(`${api.url}/health`)).status).toBe(503);
  });

  it("refuses to run without keys on an address other machines reach", async () => {
    const run = await runSaiga(["api"], { SAIGA_API_HOST: "0.0.0.0" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("api.keys");
  });
});

/**
 * A message whose greedy answer does not meet EOS within 48 tokens on this engine (which bytes
 * the demo model picks depends on the CPU's kernels; the same request gives the same tokens again).
 */
async function findLongGreedyMessage(openai: OpenAI): Promise<string> {
  const candidates = ["говори долго", "ответь до конца", "расскажи", "long", "a", "привет"];
  for (const content of candidates) {
    const completion = await openai.chat.completions.create({
      model: "saiga",
      messages: user(content),
      temperature: 0,
      max_tokens: 48,
    });
    if (completion.choices[0]?.finish_reason === "length") return content;
  }
  throw new Error(`the demo model's greedy answers to ${candidates.join(", ")} all end within 48 tokens`);
}
