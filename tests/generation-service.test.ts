// The generation service for stateless callers: `messages` jobs submitted with GenerationClient,
// served by an EngineWorker in this process on the demo model, on a real Redis and a role's
// ServiceRuntime. Chat jobs (history in Redis) are covered by pipeline.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/log/index.js";
import { AdapterFollower } from "../src/service/adapter-follower.js";
import { EnginePresence, HEARTBEAT_MS, servingEngines } from "../src/service/engine-presence.js";
import { GatewayPresence, runningGateways } from "../src/service/gateway-presence.js";
import { EngineWorker } from "../src/service/engine-worker.js";
import type { GenerationClient } from "../src/service/generation-client.js";
import { createServiceRuntime, type ServiceRuntime } from "../src/service/service-runtime.js";
import { deleteKeys } from "./helpers/delete-keys.js";
import { testEngine } from "./helpers/test-engine.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `test-${randomUUID().slice(0, 8)}`;
const config = loadConfig({ env: { SAIGA_REDIS_PREFIX: prefix } });

let runtime: ServiceRuntime;
let client: GenerationClient;
let worker: EngineWorker;

beforeAll(async () => {
  const engine = await testEngine();
  runtime = createServiceRuntime(config, REDIS_URL, createLogger({ level: "silent" }), { name: "test" });
  client = runtime.generation;
  worker = new EngineWorker({
    engine,
    connection: runtime.blockingConnection("worker"),
    redis: runtime.redis,
    keys: runtime.keys,
    store: runtime.chats,
    records: runtime.records,
    limits: runtime.limits,
    adapters: new AdapterFollower({
      engine,
      store: runtime.adapters,
      redis: runtime.redis,
      keys: runtime.keys,
      adaptersDir: "unused",
    }),
    systemPrompt: "",
    concurrency: 2,
    lockMs: 2000,
  });
  await worker.waitUntilReady();
});

afterAll(async () => {
  await worker.close(true);
  await client.queue.obliterate({ force: true }).catch(() => undefined);
  await deleteKeys(runtime.redis, `*${prefix}*`);
  await runtime.close();
});

const question = [{ role: "user" as const, content: "Привет! Как дела?" }];

/** Follows a request to its end: the deltas as streamed, and the end entry. */
async function follow(requestId: string) {
  let streamed = "";
  for await (const entry of client.follow(requestId, { idleTimeoutMs: 30_000 })) {
    if (entry.type === "delta") streamed += entry.text;
    else if (entry.type === "reset") streamed = "";
    else return { streamed, end: entry };
  }
  throw new Error(`no end for ${requestId}`);
}

describe("messages jobs", () => {
  it("answers explicit messages: the deltas add up to the text, and no chat history is written", async () => {
    const [requestId] = await client.submit({ messages: question, sampling: { maxTokens: 12, seed: 1 } });
    const { streamed, end } = await follow(requestId!);
    expect(end.outcome).toBe("answered");
    expect(end.text).toBe(streamed);
    expect(end.stats?.completionTokens).toBeGreaterThan(0);
    expect(end.stats?.completionTokens).toBeLessThanOrEqual(12);
    expect(await runtime.redis.keys(`${prefix}:{chat:*`)).toEqual([]);
  });

  it("n of 2 gives two requests, each answered in its own stream", async () => {
    const ids = await client.submit({ messages: question, n: 2, sampling: { maxTokens: 8 } });
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const ends = await Promise.all(ids.map(async (id) => (await follow(id)).end));
    expect(ends.map((end) => end.outcome)).toEqual(["answered", "answered"]);
  });

  it("the same seed gives the same text twice", async () => {
    const sampling = { maxTokens: 16, seed: 42, temperature: 0.9 };
    const [a, b] = await Promise.all([
      client.submit({ messages: question, sampling }),
      client.submit({ messages: question, sampling }),
    ]);
    expect((await follow(a![0]!)).end.text).toBe((await follow(b![0]!)).end.text);
  });

  it("a prompt that cannot fit fails at once, with its code and token counts, and is not retried", async () => {
    const huge = "слово ".repeat(3000);
    const [requestId] = await client.submit({ messages: [{ role: "user", content: huge }] });
    const { end } = await follow(requestId!);
    expect(end.outcome).toBe("failed");
    expect(end.error?.code).toBe("PROMPT_TOO_LONG");
    expect(end.error?.details?.contextSize).toBe(1024);
    expect(Number(end.error?.details?.promptTokens)).toBeGreaterThan(1024);
    // The stream ends first; BullMQ records the failure right after.
    await expect.poll(() => client.queue.getJobState(requestId!)).toBe("failed");
    expect((await client.queue.getJob(requestId!))?.attemptsMade).toBe(1);
  });

  it("an unknown adapter version fails with UNKNOWN_ADAPTER", async () => {
    const [requestId] = await client.submit({
      messages: question,
      adapter: { kind: "version", version: "no-such-version" },
    });
    const { end } = await follow(requestId!);
    expect(end).toMatchObject({ outcome: "failed", error: { code: "UNKNOWN_ADAPTER" } });
  });

  it("a bad request is refused by submit, before anything is queued", async () => {
    await expect(client.submit({ messages: [], prompt: "both" })).rejects.toThrow();
    await expect(client.submit({ sampling: { maxTokens: 4 } })).rejects.toThrow(
      /either messages or a prompt/,
    );
  });

  it("cancel stops a running generation through the worker's processor signal", async () => {
    // A greedy answer that runs long on this model (which one does depends on the CPU's kernels).
    for (const content of ["говори долго", "расскажи", "long", "a"]) {
      const [requestId] = await client.submit({
        messages: [{ role: "user", content }],
        sampling: { maxTokens: 400, temperature: 0 },
      });
      const first = client.follow(requestId!);
      const entry = await first.next();
      await first.return(undefined);
      if (entry.value?.type === "end") continue; // answered before we could cancel: try another
      const cancelledAt = Date.now();
      await client.cancel(requestId!);
      const { end } = await follow(requestId!);
      if (end.outcome === "answered" && end.stats?.stopReason === "eos") continue; // ended on its own first
      expect(end.outcome).toBe("cancelled");
      expect(end.stats?.stopReason).toBe("aborted");
      expect(Date.now() - cancelledAt).toBeLessThan(1000);
      return;
    }
    throw new Error("every probe ended before it could be cancelled");
  });
});

describe("engine presence", () => {
  it("an engine is listed while it beats and gone when it stops; a stale entry is dropped", async () => {
    const presence = new EnginePresence(runtime.redis, runtime.keys, () => ({
      model: "saiga-demo.gguf",
      adapter: null,
      sequences: 2,
      contextSize: 1024,
    }));
    await presence.start();
    expect((await servingEngines(runtime.redis, runtime.keys)).map((engine) => engine.id)).toContain(
      presence.id,
    );
    await presence.stop();
    expect(await servingEngines(runtime.redis, runtime.keys)).toEqual([]);

    const stale = { ...JSON.parse("{}"), id: "dead", seenAt: Date.now() - 4 * HEARTBEAT_MS };
    await runtime.redis.hset(runtime.keys.engines(), "dead", JSON.stringify(stale));
    expect(await servingEngines(runtime.redis, runtime.keys)).toEqual([]);
    expect(await runtime.redis.hexists(runtime.keys.engines(), "dead")).toBe(0);
  });

  it("a gateway is listed with its bot while it beats, and gone when it stops", async () => {
    const presence = new GatewayPresence(runtime.redis, runtime.keys, () => ({
      bot: "saiga_bot",
      mode: "polling",
    }));
    await presence.start();
    expect(await runningGateways(runtime.redis, runtime.keys)).toEqual([
      expect.objectContaining({ id: presence.id, bot: "saiga_bot", mode: "polling", pid: process.pid }),
    ]);
    await presence.stop();
    expect(await runningGateways(runtime.redis, runtime.keys)).toEqual([]);
  });
});
