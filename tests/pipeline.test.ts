// The generation pipeline end to end: producers in this process, `saiga engine` workers as real
// child processes, a real Redis, the demo model (its answers are gibberish by construction).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedRedis, type EmbeddedRedis } from "../src/store/embedded-redis.js";
import { UserLimits } from "../src/store/user-limits.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";
import { PROJECT_ROOT } from "./helpers/run-saiga.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const waitFor = async (check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * A message whose greedy answer runs at least `tokens` tokens without meeting EOS on these workers
 * (which bytes the demo model picks depends on the CPU's kernels; the same request gives the same
 * tokens again), for tests that need an answer still running when they act.
 */
async function longGreedyText(client: PipelineClient, tokens: number): Promise<string> {
  const candidates = ["говори долго", "ответь до конца", "расскажи", "long", "a", "привет"];
  for (const text of candidates) {
    const chatId = `probe-${Math.random().toString(36).slice(2)}`;
    await client.store.updateSettings(chatId, { maxTokens: tokens, temperature: 0 });
    const { requestId } = await client.queue.enqueue(chatId, { text });
    const answer = await client.answer(requestId);
    if (answer.stats?.stopReason !== "eos") return text;
  }
  throw new Error(
    `the demo model's greedy answers to ${candidates.join(", ")} all end within ${tokens} tokens`,
  );
}

describe("two engine workers, many chats", () => {
  let client: PipelineClient;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    client = new PipelineClient(REDIS_URL);
    workers = await Promise.all([
      startWorker(REDIS_URL, client.prefix),
      startWorker(REDIS_URL, client.prefix),
    ]);
  });
  afterAll(async () => {
    const codes = await Promise.all(workers.map((worker) => worker.stop()));
    expect(codes).toEqual([0, 0]); // graceful SIGTERM
    await client.close();
  });

  it("answers 20 concurrent chats exactly once each, turns in order", async () => {
    const chats = Array.from({ length: 20 }, (_, i) => `chat-${i}`);
    await Promise.all(
      chats.map(async (chatId) => {
        for (const turn of [1, 2]) {
          const { requestId } = await client.queue.enqueue(chatId, {
            text: `${chatId} turn ${turn}`,
            userId: chatId,
          });
          const answer = await client.answer(requestId);
          expect(answer.error).toBeUndefined();
          expect(answer.streamed).toBe(answer.text);
        }
      }),
    );
    const limits = new UserLimits({
      redis: client.redis,
      keys: client.keys,
      messagesPerMinute: 0,
      dailyTokens: 0,
    });
    for (const chatId of chats) {
      const history = await client.store.history(chatId);
      expect(history.map((turn) => turn.role)).toEqual(["user", "assistant", "user", "assistant"]);
      expect(history[0]?.text).toBe(`${chatId} turn 1`);
      expect(history[2]?.text).toBe(`${chatId} turn 2`);
      const requestIds = history.filter((t) => t.role === "assistant").map((t) => t.requestId);
      expect(new Set(requestIds).size).toBe(2);
      // Both answers' tokens count against the user's daily quota.
      const tokens = history.reduce((sum, t) => sum + (t.promptTokens ?? 0) + (t.completionTokens ?? 0), 0);
      expect((await limits.quota(chatId)).used).toBe(tokens);
    }
    // Both workers took part.
    for (const worker of workers) expect(worker.log()).toContain('"msg":"answered"');
  });

  it("answers a burst of 3 messages, sent while the chat is busy, as one turn", async () => {
    const chatId = "burst";
    const text = await longGreedyText(client, 400);
    await client.store.updateSettings(chatId, { maxTokens: 400, temperature: 0 });
    const first = await client.queue.enqueue(chatId, { text });
    await waitFor(async () => (await client.redis.xlen(client.keys.stream(first.requestId))) > 0);
    const burst = [];
    for (const text of ["second", "third", "fourth"])
      burst.push(await client.queue.enqueue(chatId, { text }));
    expect(new Set(burst.map((b) => b.requestId)).size).toBe(1);
    expect(burst[0]!.requestId).not.toBe(first.requestId);
    await client.answer(first.requestId);
    const answer = await client.answer(burst[0]!.requestId);
    const history = await client.store.history(chatId);
    expect(history.map((turn) => `${turn.role}:${turn.role === "user" ? turn.text : ""}`)).toEqual([
      `user:${text}`,
      "assistant:",
      "user:second",
      "user:third",
      "user:fourth",
      "assistant:",
    ]);
    expect(history.at(-1)?.text).toBe(answer.text);
  });

  it("stops a generation within 1 s when another process cancels it", async () => {
    const canceller = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(PROJECT_ROOT, "tests/helpers/cancel-request.ts"),
        REDIS_URL,
        client.prefix,
      ],
      { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] },
    );
    let output = "";
    canceller.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    await waitFor(async () => output.includes("ready"));

    const chatId = "cancel";
    // An answer that runs until cancelled: it does not meet EOS before the context is full.
    const text = await longGreedyText(client, 5000);
    await client.store.updateSettings(chatId, { maxTokens: 5000, temperature: 0 });
    const { requestId } = await client.queue.enqueue(chatId, { text });
    await waitFor(async () => (await client.redis.xlen(client.keys.stream(requestId))) > 0);
    const reading = client.answer(requestId);
    const cancelledAt = Date.now();
    canceller.stdin!.end(requestId + "\n");
    const answer = await reading;
    const stoppedAfter = Date.now() - cancelledAt;
    expect(answer.stats?.stopReason).toBe("aborted");
    expect(stoppedAfter).toBeLessThan(1000);
    await waitFor(async () => output.includes(`cancelled ${requestId}`)); // it was that process that cancelled
    // A cancelled answer is not kept as the chat's answer.
    expect((await client.store.history(chatId)).map((t) => t.role)).toEqual(["user"]);
  });
  it("regenerates the last answer: a new one replaces it in the history", async () => {
    const chatId = "regenerate";
    await client.store.updateSettings(chatId, { temperature: 1 });
    const first = await client.queue.enqueue(chatId, { text: "придумай имя" });
    const before = await client.answer(first.requestId);
    const redo = await client.queue.regenerate(chatId);
    expect(redo?.replaced).toBe(before.text);
    expect(redo?.requestId).not.toBe(first.requestId);
    const after = await client.answer(redo!.requestId);
    const history = await client.store.history(chatId);
    expect(history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(history[1]?.text).toBe(after.text);
  });
});

describe("faults", () => {
  let client: PipelineClient | undefined;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await client?.close();
  });

  it("a worker killed mid-generation: another takes the job over, the answer arrives once and complete", async () => {
    client = new PipelineClient(REDIS_URL);
    const doomed = await startWorker(REDIS_URL, client.prefix);
    workers.push(doomed);
    const chatId = "kill-9";
    const text = await longGreedyText(client, 600);
    await client.store.updateSettings(chatId, { maxTokens: 600, temperature: 0 });
    const { requestId } = await client.queue.enqueue(chatId, { text });
    await waitFor(async () => (await client!.redis.xlen(client!.keys.stream(requestId))) > 0);
    const reading = client.answer(requestId);
    doomed.child.kill("SIGKILL");
    workers.push(await startWorker(REDIS_URL, client.prefix));
    const answer = await reading;
    expect(answer.resets).toBeGreaterThanOrEqual(1); // the reader was told to drop the partial text
    expect(answer.streamed).toBe(answer.text);
    expect(["eos", "maxTokens", "contextFull"]).toContain(answer.stats?.stopReason);
    const history = await client.store.history(chatId);
    expect(history.filter((turn) => turn.role === "assistant")).toHaveLength(1);
    expect(history.at(-1)?.text).toBe(answer.text);
  });

  it("SIGTERM lets a running answer finish, then the worker exits cleanly", async () => {
    client = new PipelineClient(REDIS_URL);
    const worker = await startWorker(REDIS_URL, client.prefix);
    const chatId = "sigterm";
    const text = await longGreedyText(client, 300);
    await client.store.updateSettings(chatId, { maxTokens: 300, temperature: 0 });
    const { requestId } = await client.queue.enqueue(chatId, { text });
    await waitFor(async () => (await client!.redis.xlen(client!.keys.stream(requestId))) > 0);
    const reading = client.answer(requestId);
    expect(await worker.stop()).toBe(0);
    const answer = await reading;
    expect(answer.stats?.stopReason).toBe("maxTokens");
    expect(answer.stats?.completionTokens).toBe(300);
    expect((await client.store.history(chatId)).at(-1)?.text).toBe(answer.text);
  });

  it("`saiga start` serves the queue in one process and stops cleanly", async () => {
    client = new PipelineClient(REDIS_URL);
    const start = await startWorker(REDIS_URL, client.prefix, {}, "start");
    const { requestId } = await client.queue.enqueue("start", { text: "привет" });
    const answer = await client.answer(requestId);
    expect(answer.error).toBeUndefined();
    expect(await start.stop()).toBe(0);
  });

  it("a corrupt stored record is skipped and the worker keeps serving", async () => {
    client = new PipelineClient(REDIS_URL);
    workers.push(await startWorker(REDIS_URL, client.prefix));
    const chatId = "corrupt";
    await client.queue.enqueue(chatId, { text: "hello" }).then(({ requestId }) => client!.answer(requestId));
    await client.redis.rpush(client.keys.history(chatId), "{not json", JSON.stringify({ role: "wizard" }));
    const { requestId } = await client.queue.enqueue(chatId, { text: "still there?" });
    const answer = await client.answer(requestId);
    expect(answer.error).toBeUndefined();
    expect((await client.store.history(chatId)).map((t) => t.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    expect(workers[0]!.log()).toContain("corrupt");
  });

  it("Redis restarting: history survives (AOF) and workers and producers carry on", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "saiga-redis-restart-"));
    let redis: EmbeddedRedis = await startEmbeddedRedis({ dataDir });
    const port = Number(new URL(redis.url).port);
    try {
      client = new PipelineClient(redis.url);
      workers.push(await startWorker(redis.url, client.prefix));
      const chatId = "restart";
      const first = await client.queue.enqueue(chatId, { text: "before" });
      await client.answer(first.requestId);

      await redis.stop();
      redis = await startEmbeddedRedis({ dataDir, port });
      const history = await client.store.history(chatId);
      expect(history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
      expect(history[0]?.text).toBe("before");

      const second = await client.queue.enqueue(chatId, { text: "after" });
      const answer = await client.answer(second.requestId);
      expect(answer.error).toBeUndefined();
      expect((await client.store.history(chatId)).map((t) => t.role)).toEqual([
        "user",
        "assistant",
        "user",
        "assistant",
      ]);
    } finally {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await client?.close();
      client = undefined;
      await redis.stop();
    }
  });
});
