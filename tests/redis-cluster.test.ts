// saiga on a real Redis Cluster (3 masters, 1 replica each, started here on loopback): the
// generation pipeline and the Telegram bot end to end with REDIS_URL=redis+cluster://…, a master
// killed during traffic (every message still answered exactly once), and Sentinel.
import { Writable } from "node:stream";
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log/index.js";
import { ChatStore } from "../src/store/chat-store.js";
import { ensureRedis } from "../src/store/ensure-redis.js";
import { createRedis } from "../src/store/redis-connection.js";
import { RedisKeys } from "../src/store/redis-keys.js";
import { forgetUser } from "../src/store/forget-user.js";
import { AccessList } from "../src/store/access-list.js";
import { BotTestbed } from "./helpers/bot-harness.js";
import { startRedisCluster, startRedisSentinel, type LocalRedisCluster } from "./helpers/redis-cluster.js";
import { TEST_DATA_DIR } from "./helpers/run-saiga.js";

const silent = createLogger({ level: "silent" });

describe("on a Redis Cluster", () => {
  let cluster: LocalRedisCluster;
  let bed: BotTestbed;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    bed = await BotTestbed.create({}, cluster.url);
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
    await cluster?.stop();
  });

  it("checks every master's eviction policy at start-up", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString("utf8")), done()),
    });
    const log = createLogger({ level: "debug", format: "json", destination });
    const ensured = await ensureRedis({
      configuredUrl: cluster.url,
      dataDir: TEST_DATA_DIR,
      log,
      embedded: false,
    });
    expect(ensured).toEqual({ url: cluster.url, embedded: null });
    // Each of the 3 masters was asked; appendonly is off on the test cluster.
    expect(lines.filter((line) => line.includes("appendonly off"))).toHaveLength(3);
  });

  it("keeps the stores' scripts and MULTIs in one slot (access lists, forgetting a user)", async () => {
    const redis = createRedis(cluster.url, { role: "client" });
    try {
      const keys = new RedisKeys(bed.client.prefix);
      const access = new AccessList({ redis, keys, refusalNoticeSeconds: 60 });
      expect(await access.deny("77")).toBe(false);
      expect(await access.allow("77")).toBe(true);
      const store = new ChatStore({ redis, keys, maxMessages: 10, idleTtlSeconds: 600 });
      await store.appendUserTurn("77", { text: "hi" });
      // Its keys live on several masters: all of them are found and removed.
      expect((await forgetUser(redis, keys, "77")).keys).toBeGreaterThan(0);
      expect(await store.history("77")).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it("carries pub/sub (adapter changes, cancellations) between connections", async () => {
    const publisher = createRedis(cluster.url, { role: "client" });
    const subscriber = publisher.duplicate();
    try {
      const keys = new RedisKeys(bed.client.prefix);
      const received: string[] = [];
      subscriber.on("message", (channel: string, message: string) => received.push(`${channel}=${message}`));
      await subscriber.subscribe(keys.adapterChannel(), keys.cancelChannel("generate"));
      await publisher.publish(keys.adapterChannel(), "v2");
      await publisher.publish(keys.cancelChannel("generate"), "job-1");
      const deadline = Date.now() + 5000;
      while (received.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received).toEqual([`${keys.adapterChannel()}=v2`, `${keys.cancelChannel("generate")}=job-1`]);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });

  describe("with `saiga engine` and `saiga gateway` processes", () => {
    beforeAll(async () => {
      // Separate roles, each its own process: the engine and the Telegram gateway.
      await Promise.all([
        bed.start("engine", { SAIGA_GENERATION_MAX_TOKENS: "12" }),
        bed.start("gateway", { SAIGA_GENERATION_MAX_TOKENS: "12" }),
      ]);
    }, 120_000);

    it("answers chats through the generation client and a real `saiga engine`", async () => {
      const chats = ["p-1", "p-2", "p-3", "p-4"];
      await Promise.all(
        chats.map(async (chatId) => {
          for (const turn of [1, 2]) {
            const { requestId } = await bed.client.queue.enqueue(chatId, {
              text: `${chatId} turn ${turn}`,
              userId: chatId,
            });
            const answer = await bed.client.answer(requestId);
            expect(answer.error).toBeUndefined();
            expect(answer.streamed).toBe(answer.text);
          }
        }),
      );
      for (const chatId of chats) {
        const history = await bed.client.store.history(chatId);
        expect(history.map((turn) => [turn.role, turn.role === "user" ? turn.text : ""])).toEqual([
          ["user", `${chatId} turn 1`],
          ["assistant", ""],
          ["user", `${chatId} turn 2`],
          ["assistant", ""],
        ]);
      }
    }, 60_000);

    it("answers Telegram messages through the gateway", async () => {
      const alice = bed.emulator.createUser();
      bed.emulator.sendMessage({ from: alice, text: "Привет из кластера" });
      const [answer] = await bed.waitForAnswers(alice.id);
      expect(answer!.text.length).toBeGreaterThan(0);
    }, 60_000);

    it("answers every message exactly once when a master dies during traffic", async () => {
      const users = Array.from({ length: 4 }, () => bed.emulator.createUser());
      const turns = 4;
      let killed = false;
      const kill = (async () => {
        // Mid-traffic: once the first answers are out, the master of the queue's slot dies.
        await bed.emulator.waitFor(() => users.every((u) => bed.answers(u.id).length >= 1), 60_000);
        await cluster.killMaster(`${bed.client.keys.queuePrefix()}:x`);
        killed = true;
      })();
      await Promise.all(
        users.map(async (user) => {
          for (let turn = 1; turn <= turns; turn++) {
            bed.emulator.sendMessage({ from: user, text: `сообщение ${turn}` });
            await bed.waitForAnswers(user.id, turn, 90_000);
          }
        }),
      );
      await kill;
      expect(killed).toBe(true);
      // Nothing late or doubled arrives afterwards.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const user of users) {
        expect(bed.answers(user.id)).toHaveLength(turns);
        const history = await bed.client.store.history(String(user.id));
        expect(history.filter((t) => t.role === "user").map((t) => t.text)).toEqual(
          Array.from({ length: turns }, (_, i) => `сообщение ${i + 1}`),
        );
        expect(history.filter((t) => t.role === "assistant")).toHaveLength(turns);
      }
    }, 120_000);
  });
});

describe("BullMQ through a master failover", () => {
  it("completes every job while the queue's master dies", async () => {
    const cluster = await startRedisCluster();
    const keys = new RedisKeys(`failover-${process.pid}`);
    const producer = createRedis(cluster.url, { role: "worker", log: silent });
    const consumer = createRedis(cluster.url, { role: "worker", log: silent });
    const queue = new Queue("jobs", { connection: producer, prefix: keys.queuePrefix() });
    const runs = new Map<string, number>();
    const worker = new Worker(
      "jobs",
      async (job) => {
        runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1);
        // A store write per job, on whichever master holds the job's key.
        await producer.set(`${keys.prefix}:{job:${job.id}}:done`, "1");
      },
      // As saiga's workers: the stalled check every lockMs / 2 takes back jobs whose lock or state
      // the dead master had not yet passed to its replica (replication is asynchronous).
      {
        connection: consumer,
        prefix: keys.queuePrefix(),
        concurrency: 4,
        lockDuration: 2000,
        stalledInterval: 1000,
      },
    );
    // Lost locks during the failover ("Missing lock for job") are expected here; the stalled check handles them.
    worker.on("error", () => undefined);
    try {
      const add = async (from: number, to: number) => {
        for (let i = from; i < to; i++) await queue.add("job", {}, { jobId: `j${i}` });
      };
      await add(0, 20);
      const killing = cluster.killMaster(`${keys.queuePrefix()}:jobs`);
      await add(20, 40); // waits in the offline queue / retries through the failover
      await killing;
      await add(40, 60);
      const deadline = Date.now() + 60_000;
      while ((await queue.getCompletedCount()) < 60 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Nothing is lost. BullMQ runs a job at least once: one whose lock ran out during the outage
      // may run again; saiga's answers stay single through the chat's answer numbers (test above).
      expect(await queue.getCompletedCount()).toBe(60);
      expect(runs.size).toBe(60);
      for (let i = 0; i < 60; i++) expect(await producer.get(`${keys.prefix}:{job:j${i}}:done`)).toBe("1");
    } finally {
      await worker.close(true);
      await queue.close();
      producer.disconnect();
      consumer.disconnect();
      await cluster.stop();
    }
  }, 90_000);
});

describe("through Sentinel", () => {
  it("finds the master, and the replica after a failover", async () => {
    const sentinel = await startRedisSentinel(1);
    const redis = createRedis(sentinel.url, { role: "worker", log: silent });
    try {
      await redis.set("saiga-sentinel-test", "before");
      expect(await redis.get("saiga-sentinel-test")).toBe("before");
      await sentinel.killMaster();
      // The same connection now writes to the promoted replica.
      await redis.set("saiga-sentinel-test", "after");
      expect(await redis.get("saiga-sentinel-test")).toBe("after");
      const ensured = await ensureRedis({
        configuredUrl: sentinel.url,
        dataDir: TEST_DATA_DIR,
        log: silent,
        embedded: false,
      });
      expect(ensured.url).toBe(sentinel.url);
    } finally {
      redis.disconnect();
      await sentinel.stop();
    }
  }, 60_000);
});
