// The polling gateway's durable inbox. getUpdates confirms a batch only when the next call moves
// the offset past it, and @grammyjs/runner fetches the next batch while the previous one is still
// being handled; so each batch is written here before the next fetch, and each update is removed
// once handled. A gateway that crashes leaves its unfinished updates here for the next one.
import type { Update } from "grammy/types";
import type { RedisConnection } from "../../store/redis-connection.js";
import type { Logger } from "../../log/index.js";
import { parseJson } from "../../store/parse-json.js";
import type { RedisKeys } from "../../store/redis-keys.js";

/** Unfinished updates in Redis. */
export class UpdateInbox {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    keys: RedisKeys,
    private readonly log?: Logger,
  ) {
    this.key = keys.inbox();
  }

  /** Stores a fetched batch (one round trip). */
  async keep(updates: readonly Update[]): Promise<void> {
    if (updates.length === 0) return;
    await this.redis.hset(
      this.key,
      ...updates.flatMap((update) => [String(update.update_id), JSON.stringify(update)]),
    );
  }

  /** Removes a handled update. */
  async done(updateId: number): Promise<void> {
    await this.redis.hdel(this.key, String(updateId));
  }

  /** Every unfinished update, oldest first; unreadable entries are logged and dropped. */
  async pending(): Promise<Update[]> {
    const all = await this.redis.hgetall(this.key);
    const updates: Update[] = [];
    for (const [id, raw] of Object.entries(all)) {
      const update = parseJson(raw) as Update | undefined;
      if (update && typeof update.update_id === "number") updates.push(update);
      else {
        this.log?.warn({ updateId: id }, "dropping an unreadable update from the inbox");
        await this.done(Number(id));
      }
    }
    return updates.sort((a, b) => a.update_id - b.update_id);
  }
}
