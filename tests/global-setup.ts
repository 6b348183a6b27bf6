// Vitest global setup: the integration tests need a Redis. Use TEST_REDIS_URL, else the one on
// 127.0.0.1:6379, else start a private redis-server (AOF off is fine for tests) for the run, so
// that `npm test` works on a machine where Redis is installed but not running.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedRedis, type EmbeddedRedis } from "../src/store/embedded-redis.js";
import { pingRedis } from "../src/store/ping-redis.js";

let embedded: EmbeddedRedis | undefined;

export async function setup(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  if ((await pingRedis("127.0.0.1", 6379, 1000)) === "pong") {
    process.env.TEST_REDIS_URL = "redis://127.0.0.1:6379";
    return;
  }
  embedded = await startEmbeddedRedis({ dataDir: mkdtempSync(path.join(tmpdir(), "saiga-test-redis-")) });
  process.env.TEST_REDIS_URL = embedded.url;
  console.log(`tests: no Redis on 127.0.0.1:6379, started one at ${embedded.url}`);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}
