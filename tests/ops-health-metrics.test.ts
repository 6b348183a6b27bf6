// Health and metrics of the serving roles, as an operator sees them: real `saiga engine` and
// `saiga gateway` processes on a free ops port, a real Redis, the demo model, the Bot API
// emulator; /health and /metrics scraped over HTTP and the Prometheus text parsed.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { BotTestbed, REDIS_URL, waitUntil } from "./helpers/bot-harness.js";
import { freePort } from "./helpers/free-port.js";
import { fetchHealth, opsUrlOf, scrapeMetrics } from "./helpers/ops-endpoint.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";
import { sampleSum, type MetricFamily } from "./helpers/prometheus-text.js";
import { runSaiga } from "./helpers/run-saiga.js";

/** Every saiga metric, with its Prometheus type (docs/OPERATIONS.md lists the same). */
const SAIGA_METRICS = {
  saiga_generate_queue_jobs: "gauge",
  saiga_queue_wait_seconds: "histogram",
  saiga_generations_running: "gauge",
  saiga_generations_total: "counter",
  saiga_generated_tokens_total: "counter",
  saiga_generation_tokens_per_second: "histogram",
  saiga_time_to_first_token_seconds: "histogram",
  saiga_generation_duration_seconds: "histogram",
  saiga_prompt_tokens_total: "counter",
  saiga_prompt_tokens_reused_total: "counter",
  saiga_errors_total: "counter",
  saiga_telegram_deliveries_total: "counter",
  saiga_telegram_rate_limited_total: "counter",
  saiga_training_runs_total: "counter",
};

/** Listens on a free port, to make it busy. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe("an engine's /health and /metrics", () => {
  let client: PipelineClient;
  let engine: WorkerProcess;
  let ops: string;

  beforeAll(async () => {
    client = new PipelineClient(REDIS_URL);
    engine = await startWorker(REDIS_URL, client.prefix);
    ops = opsUrlOf(engine);
  });
  afterAll(async () => {
    expect(await engine.stop()).toBe(0);
    await client.close();
  });

  it("answers 200 with the engine's model, adapter and sequences once it serves", async () => {
    const { status, report } = await fetchHealth(ops);
    expect(status).toBe(200);
    expect(report).toMatchObject({
      status: "ok",
      roles: {
        engine: { status: "ready", model: expect.stringMatching(/\.gguf$/), adapter: null, sequences: 4 },
      },
      redis: { reachable: true },
    });
  });

  it("serves every documented metric, and a chat answer and an API answer move the counters", async () => {
    const before = await scrapeMetrics(ops);
    for (const [name, type] of Object.entries(SAIGA_METRICS)) expect(before.get(name)?.type, name).toBe(type);
    expect(before.get("process_cpu_seconds_total")?.type).toBe("counter"); // Node's default metrics

    // Two turns of one chat (the second finds the first in a sequence's KV cache) and one stateless job.
    const first = await client.queue.enqueue("ops-chat", { text: "привет" });
    await client.answer(first.requestId);
    const second = await client.queue.enqueue("ops-chat", { text: "как дела?" });
    await client.answer(second.requestId);
    const [stateless] = await client.queue.submit({ messages: [{ role: "user", content: "hi" }] });
    await client.answer(stateless!);

    const after = await scrapeMetrics(ops);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(moved("saiga_generations_total", { outcome: "answered", kind: "chat" })).toBe(2);
    expect(moved("saiga_generations_total", { outcome: "answered", kind: "messages" })).toBe(1);
    expect(moved("saiga_generated_tokens_total")).toBeGreaterThan(0);
    expect(moved("saiga_prompt_tokens_total")).toBeGreaterThan(0);
    expect(moved("saiga_prompt_tokens_reused_total", { kind: "chat" })).toBeGreaterThan(0);
    expect(moved("saiga_time_to_first_token_seconds_count")).toBe(3);
    expect(moved("saiga_generation_duration_seconds_count")).toBe(3);
    expect(moved("saiga_queue_wait_seconds_count")).toBe(3);
    expect(sampleSum(after, "saiga_generations_running")).toBe(0);
    // The queue's counts are read from BullMQ on each scrape: nothing is waiting now.
    expect(queueStates(after.get("saiga_generate_queue_jobs"))).toEqual({
      waiting: 0,
      prioritized: 0,
      delayed: 0,
      active: 0,
    });
  });
});

describe("an engine whose Redis does not answer", () => {
  it("answers /health with 503, Redis unreachable and the engine still starting", async () => {
    const engine = await startWorker(
      `redis://127.0.0.1:${await freePort()}`, // nobody listens there
      "ops-unreachable",
      {},
      "engine",
      "ops server listening",
    );
    try {
      const { status, report } = await fetchHealth(opsUrlOf(engine));
      expect(status).toBe(503);
      expect(report).toMatchObject({
        status: "unavailable",
        roles: { engine: { status: "starting" } },
        redis: { reachable: false },
      });
    } finally {
      await engine.stop();
    }
  });
});

describe("a gateway's /health and /metrics", () => {
  let testbed: BotTestbed;
  let gateway: WorkerProcess;

  beforeAll(async () => {
    testbed = await BotTestbed.create();
    gateway = await testbed.start("gateway");
  });
  afterAll(async () => {
    await testbed.close();
  });

  it("says the gateway is ready, and counts deliveries and the Bot API's 429s", async () => {
    const ops = opsUrlOf(gateway);
    const { status, report } = await fetchHealth(ops);
    expect(status).toBe(200);
    expect(report.roles.gateway).toMatchObject({ status: "ready", bot: "saiga_test_bot", mode: "polling" });

    // The final message meets a flood limit once; auto-retry waits it out and the answer arrives.
    const { id: chatId } = testbed.emulator.privateChat(testbed.emulator.createUser());
    testbed.emulator.failNext("sendMessage", { code: 429, retryAfter: 1 });
    await testbed.deliverText(chatId, "Ответ после паузы.", "ops-delivery-1");
    await testbed.waitForAnswers(chatId);
    const delivered = await waitUntil(
      () => countedDeliveries(ops, "answered"),
      10_000,
      "the delivery counted",
    );
    expect(delivered).toBe(1);
    const metrics = await scrapeMetrics(ops);
    expect(sampleSum(metrics, "saiga_telegram_rate_limited_total", { method: "sendMessage" })).toBe(1);

    // A chat Telegram does not know refuses the answer for good.
    await testbed.deliverText(999_999_001, "Никому.", "ops-delivery-2");
    expect(await waitUntil(() => countedDeliveries(ops, "refused"), 10_000, "a refused delivery")).toBe(1);
  });
});

describe("ops settings", () => {
  it("stops start-up with an error naming ops.port when the port is in use", async () => {
    const { server, port } = await occupyPort();
    try {
      const run = await runSaiga(["engine"], {
        SAIGA_OPS_PORT: String(port),
        REDIS_URL,
        MODEL: "demo",
        LOG_LEVEL: "warn",
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`ops.port ${port} on 127.0.0.1 is in use`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("turns the ops server off with SAIGA_OPS_PORT=null", () => {
    expect(loadConfig({ env: { SAIGA_OPS_PORT: "null" } }).ops).toEqual({ host: "127.0.0.1", port: null });
    expect(loadConfig({ env: {} }).ops.port).toBe(9464);
  });
});

/** A gauge's value per `state` label. */
function queueStates(family: MetricFamily | undefined): Record<string, number> {
  return Object.fromEntries((family?.samples ?? []).map((sample) => [sample.labels.state, sample.value]));
}

/** `saiga_telegram_deliveries_total` of one outcome. */
async function countedDeliveries(ops: string, outcome: string): Promise<number> {
  return sampleSum(await scrapeMetrics(ops), "saiga_telegram_deliveries_total", { outcome });
}
