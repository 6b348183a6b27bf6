// Chat routing across engines: real `saiga engine` processes on a real Redis with the demo
// model. A chat's next answer goes to the engine that holds it warm (it reuses the chat's KV
// state), not to a saturated one, and the jobs routed to an engine that is killed are answered
// by the survivor, each exactly once.
import { afterEach, describe, expect, it } from "vitest";
import { engineQueueName, rememberRoute } from "../src/service/chat-routing.js";
import { EnginePresence } from "../src/service/engine-presence.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** How many times `worker` logged that it answered `requestId` (each engine logs every answer). */
function answers(worker: WorkerProcess, requestId: string): number {
  return worker
    .log()
    .split("\n")
    .filter((line) => line.includes('"msg":"answered"') && line.includes(`"requestId":"${requestId}"`))
    .length;
}

describe("GenerationClient placement (a heartbeat, no engine processes)", () => {
  it("puts a warm chat's answer on its engine's queue, where position, cancel and dedupe find it", async () => {
    const client = new PipelineClient(REDIS_URL);
    const presence = new EnginePresence(client.redis, client.keys, () => ({
      model: "demo.gguf",
      adapter: null,
      sequences: 2,
      contextSize: 1024,
      active: 0,
      capacity: 2,
    }));
    try {
      await presence.start();
      // What an engine does at start: its queue is registered, and so counted and taken over.
      await client.redis.sadd(client.keys.engineQueues(), presence.id);
      const own = engineQueueName(presence.id);
      await rememberRoute(client.redis, client.keys, "warm", presence.id);
      const first = await client.queue.enqueue("warm", { text: "one" });
      const joined = await client.queue.enqueue("warm", { text: "two" });
      expect(joined.requestId).toBe(first.requestId);
      expect(await client.redis.get(client.keys.placement(first.requestId))).toBe(own);
      expect(await client.queue.queues.get(own).getJobState(first.requestId)).toBe("prioritized");
      // What the gateway asks (delivery, /stop) finds it on the engine's queue.
      expect(await client.queue.queue.getJobState(first.requestId)).toBe("prioritized");
      expect(await client.queue.position(first.requestId)).toBe(1);
      expect((await client.queue.jobCounts("prioritized")).prioritized).toBe(1);
      // A chat without a route goes to the shared queue.
      const cold = await client.queue.enqueue("cold", { text: "hi" });
      expect(await client.redis.get(client.keys.placement(cold.requestId))).toBe("generate");
      await client.queue.cancel(first.requestId);
      expect(await client.queue.position(first.requestId)).toBeNull();
      expect((await client.queue.result(first.requestId, { idleTimeoutMs: 5000 }))?.outcome).toBe(
        "cancelled",
      );
      // Its engine gone: the chat's next answer goes to the shared queue.
      await presence.stop();
      const next = await client.queue.enqueue("warm", { text: "three" });
      expect(await client.redis.get(client.keys.placement(next.requestId))).toBe("generate");
    } finally {
      await presence.stop();
      await client.queue.queues.get(engineQueueName(presence.id)).obliterate({ force: true });
      await client.close();
    }
  });
});

describe("chat routing to the warm engine", () => {
  let client: PipelineClient | undefined;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await client?.close();
    client = undefined;
  });

  /** Sends a message, reads its answer, and says which of `engines` answered it. */
  async function turn(chatId: string, text: string, engines: WorkerProcess[]) {
    const { requestId } = await client!.queue.enqueue(chatId, { text });
    const answer = await client!.answer(requestId);
    await waitFor(() => engines.some((engine) => answers(engine, requestId) > 0));
    return { answer, by: engines.filter((engine) => answers(engine, requestId) > 0), requestId };
  }

  it("serves a chat's later turns on the engine that served its first, reusing its KV state", async () => {
    client = new PipelineClient(REDIS_URL);
    const a = await startWorker(REDIS_URL, client.prefix);
    const b = await startWorker(REDIS_URL, client.prefix);
    workers.push(a, b);
    for (const chatId of ["one", "two", "three"]) {
      const first = await turn(chatId, `hello from ${chatId}`, [a, b]);
      expect(first.by).toHaveLength(1);
      for (let n = 2; n <= 4; n++) {
        // The other engine is idle the whole time: only the route keeps the chat where it was.
        const next = await turn(chatId, `turn ${n} of ${chatId}`, [a, b]);
        expect(next.by).toEqual(first.by);
        expect(next.answer.outcome).toBe("answered");
        expect(next.answer.stats?.reusedPromptTokens).toBeGreaterThan(0);
      }
    }
  }, 180_000);

  it("a saturated warm engine does not hold a chat back: the answer goes to the shared queue", async () => {
    client = new PipelineClient(REDIS_URL);
    // One sequence: a single queued job saturates it.
    const env = { SAIGA_MODEL_SEQUENCES: "1", SAIGA_GENERATION_MAX_TOKENS: "200" };
    const warm = await startWorker(REDIS_URL, client.prefix, env);
    workers.push(warm);
    await turn("busy", "first", [warm]);
    await turn("waiting", "first", [warm]);
    const other = await startWorker(REDIS_URL, client.prefix, env);
    workers.push(other);
    // `busy` goes to its warm engine and fills it; `waiting` is warm there too but must not wait.
    const busy = await client.queue.enqueue("busy", { text: "second" });
    // Generating: the warm engine is full and stops taking from the shared queue.
    await waitFor(async () => (await client!.redis.xlen(client!.keys.stream(busy.requestId))) > 0);
    expect(await client.queue.queues.pending(await ownQueueOf(client, "busy"))).toBe(1);
    const waiting = await client.queue.enqueue("waiting", { text: "second" });
    expect(await client.redis.get(client.keys.placement(waiting.requestId))).toBe("generate");
    await Promise.all([client.answer(busy.requestId), client.answer(waiting.requestId)]);
    await waitFor(() => answers(warm, busy.requestId) + answers(other, waiting.requestId) === 2);
    expect(answers(other, busy.requestId)).toBe(0);
  }, 180_000);

  it("the warm engine killed with jobs queued on it and one running: the survivor answers each exactly once", async () => {
    client = new PipelineClient(REDIS_URL);
    // Four sequences but one generation at a time: jobs routed here wait in its own queue.
    const doomed = await startWorker(REDIS_URL, client.prefix, {
      SAIGA_QUEUE_CONCURRENCY: "1",
      SAIGA_GENERATION_MAX_TOKENS: "400",
    });
    workers.push(doomed);
    const chats = ["k1", "k2", "k3"];
    for (const chatId of chats) await turn(chatId, `hello ${chatId}`, [doomed]);
    const survivor = await startWorker(REDIS_URL, client.prefix, { SAIGA_GENERATION_MAX_TOKENS: "400" });
    workers.push(survivor);
    const own = await ownQueueOf(client, "k1");
    const queued: { requestId: string }[] = [];
    for (const chatId of chats) queued.push(await client.queue.enqueue(chatId, { text: `again ${chatId}` }));
    for (const { requestId } of queued)
      expect(await client.redis.get(client.keys.placement(requestId))).toBe(own);
    // Killed while the first one streams and the others wait behind it.
    await waitFor(async () => (await client!.redis.xlen(client!.keys.stream(queued[0]!.requestId))) > 0);
    doomed.child.kill("SIGKILL");
    const answered = await Promise.all(queued.map(({ requestId }) => client!.answer(requestId, 120_000)));
    for (const answer of answered) expect(answer.outcome).toBe("answered");
    await waitFor(() => queued.every(({ requestId }) => answers(survivor, requestId) === 1));
    expect(survivor.log()).toContain("taking over a dead engine's queue");
    for (const chatId of chats) {
      const history = await client.store.history(chatId);
      // Two user messages, two answers: none lost, none doubled.
      expect(history.map((entry) => entry.role)).toEqual(["user", "assistant", "user", "assistant"]);
    }
    // Drained, the dead engine's queue is forgotten.
    await waitFor(async () => (await client!.redis.scard(client!.keys.engineQueues())) === 1, 30_000);
  }, 240_000);
});

/** The own queue of the engine that holds `chatId` warm. */
async function ownQueueOf(client: PipelineClient, chatId: string): Promise<string> {
  const engineId = await client.redis.get(client.keys.route(chatId));
  if (engineId === null) throw new Error(`chat ${chatId} has no route`);
  return engineQueueName(engineId);
}
