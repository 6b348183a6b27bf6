// A separate process that cancels requests: `node --import tsx cancel-request.ts URL PREFIX`, then
// one request id per line on stdin; it answers `cancelled <id>` on stdout for each.
import { createInterface } from "node:readline";
import { GenerationClient } from "../../src/service/generation-client.js";
import { ChatStore } from "../../src/store/chat-store.js";
import { createRedis } from "../../src/store/redis-connection.js";
import { RedisKeys } from "../../src/store/redis-keys.js";

const [url, prefix] = process.argv.slice(2) as [string, string];
const redis = createRedis(url, { role: "client", name: "canceller" });
const keys = new RedisKeys(prefix);
const queue = new GenerationClient({
  redis,
  keys,
  store: new ChatStore({ redis, keys, maxMessages: 40, idleTtlSeconds: 3600 }),
});
await redis.ping();
process.stdout.write("ready\n");
for await (const requestId of createInterface({ input: process.stdin })) {
  await queue.cancel(requestId);
  process.stdout.write(`cancelled ${requestId}\n`);
}
await queue.close();
await redis.quit();
