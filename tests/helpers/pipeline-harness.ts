// Integration harness for the pipeline: engine workers as real child processes (`saiga engine`),
// a producer and stream readers in the test process, all on a real Redis with a unique prefix.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { readWholeAnswer } from "../../src/service/token-stream.js";
import { GenerationClient } from "../../src/service/generation-client.js";
import { ChatStore } from "../../src/store/chat-store.js";
import { createRedis, type RedisConnection } from "../../src/store/redis-connection.js";
import { RedisKeys } from "../../src/store/redis-keys.js";
import { deleteKeys } from "./delete-keys.js";
import { PROJECT_ROOT, TEST_DATA_DIR } from "./run-saiga.js";

/** Settings the engine workers of the tests run with (small and quick on the demo model). */
export const WORKER_ENV = {
  MODEL: "demo",
  SAIGA_DATA_DIR: TEST_DATA_DIR,
  SAIGA_MODEL_THREADS: "1",
  SAIGA_MODEL_SEQUENCES: "4",
  SAIGA_MODEL_CONTEXT_SIZE: "1024",
  SAIGA_GENERATION_MAX_TOKENS: "24",
  SAIGA_QUEUE_LOCK_MS: "2000",
  SAIGA_QUEUE_BACKOFF_MS: "200",
  LOG_LEVEL: "info",
  // Parallel test processes must not collide on ops.port 9464: each gets a free port (logged).
  SAIGA_OPS_PORT: "0",
};

/** An engine worker child process. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr (JSON log lines). */
  log(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `saiga engine` (or `start`, `gateway`) and waits until its log says `readyText`. */
export async function startWorker(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  command: "engine" | "start" | "gateway" | "trainer" = "engine",
  readyText = "engine worker serving",
): Promise<WorkerProcess> {
  return startNodeProcess(
    [path.join(PROJECT_ROOT, "bin/saiga.js"), command],
    { REDIS_URL: redisUrl, SAIGA_REDIS_PREFIX: prefix, ...env },
    readyText,
  );
}

/**
 * Starts `node <args>` in the project root with the workers' settings (WORKER_ENV, then `env`)
 * and waits until its log says `readyText`: `saiga` itself, or a bot built on the framework.
 */
export async function startNodeProcess(
  args: string[],
  env: Record<string, string>,
  readyText: string,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...WORKER_ENV, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${stderr}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      if (stderr.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${stderr}`));
    });
  });
  return {
    child,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Producer side of one test file: queue, store and stream readers on a fresh prefix. */
export class PipelineClient {
  readonly prefix = `test-${randomUUID().slice(0, 8)}`;
  readonly keys = new RedisKeys(this.prefix);
  readonly redis: RedisConnection;
  readonly store: ChatStore;
  readonly queue: GenerationClient;
  private readonly readers: RedisConnection[] = [];

  constructor(readonly redisUrl: string) {
    this.redis = createRedis(redisUrl, { role: "worker", name: "test-producer" });
    this.store = new ChatStore({ redis: this.redis, keys: this.keys, maxMessages: 40, idleTtlSeconds: 3600 });
    this.queue = new GenerationClient({
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      attempts: 3,
      backoffMs: 200,
    });
  }

  /** Reads a request's stream to its end on a connection of its own. */
  async answer(requestId: string, timeoutMs = 60_000) {
    const reader = this.redis.duplicate();
    this.readers.push(reader);
    const answer = await readWholeAnswer(reader, this.keys, requestId, { idleTimeoutMs: timeoutMs });
    await reader.quit();
    if (!answer) throw new Error(`no answer for ${requestId} within ${timeoutMs} ms`);
    return answer;
  }

  /** Deletes every key of this prefix and closes the connections. */
  async close(): Promise<void> {
    await this.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    await deleteKeys(this.redis, `*${this.prefix}*`);
    await Promise.all(this.readers.map((reader) => reader.quit().catch(() => undefined)));
    await this.redis.quit();
  }
}
