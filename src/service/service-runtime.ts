// The wiring every role shares: one Redis connection for commands, BullMQ's blocking ones on
// demand, the key layout, the stores and the generation client, all closed by one `close()`.
// `saiga engine`, `gateway`, `trainer`, `api` and the operator commands each build one of these
// instead of their own connections.
import type { RedisConnection } from "../store/redis-connection.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { AdapterStore } from "../store/adapter-store.js";
import { ChatStore } from "../store/chat-store.js";
import { FeedbackStore } from "../store/feedback-store.js";
import { GenerationRecords } from "../store/generation-records.js";
import { createRedis, type RedisRole } from "../store/redis-connection.js";
import { RedisKeys } from "../store/redis-keys.js";
import { UpdateDedupe } from "../store/update-dedupe.js";
import { UserLimits } from "../store/user-limits.js";
import { GenerationClient } from "./generation-client.js";

/** Options of {@link createServiceRuntime}. */
export interface ServiceRuntimeOptions {
  /** Names the connections in logs and CLIENT LIST (`engine`, `gateway`, …). */
  name: string;
  /**
   * `worker`: long-running roles wait out a Redis restart; `client`: operator commands fail fast.
   * Default: `worker`.
   */
  role?: RedisRole;
}

/** Everything a role needs from Redis, created on first use. */
export class ServiceRuntime {
  readonly keys: RedisKeys;
  /** The connection for commands (stores, streams, queues' producers). */
  readonly redis: RedisConnection;
  private readonly blocking: RedisConnection[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];
  private readonly made = new Map<string, unknown>();
  private closing?: Promise<void>;

  constructor(
    readonly config: Config,
    readonly redisUrl: string,
    readonly log: Logger,
    private readonly options: ServiceRuntimeOptions,
  ) {
    this.keys = new RedisKeys(config.redis.prefix);
    this.redis = createRedis(redisUrl, { role: options.role ?? "worker", log, name: options.name });
  }

  /** A new connection for one BullMQ worker (blocking commands need their own). Closed with the runtime. */
  blockingConnection(purpose: string): RedisConnection {
    const connection = createRedis(this.redisUrl, {
      role: "worker",
      log: this.log,
      name: `${this.options.name}-${purpose}`,
    });
    this.blocking.push(connection);
    return connection;
  }

  get chats(): ChatStore {
    return this.once("chats", () => ChatStore.fromConfig(this.config, this.redis, this.keys, this.log));
  }
  get records(): GenerationRecords {
    return this.once(
      "records",
      () =>
        new GenerationRecords({
          redis: this.redis,
          keys: this.keys,
          ttlSeconds: this.config.history.recordsTtlDays * 24 * 3600,
          log: this.log,
        }),
    );
  }
  get limits(): UserLimits {
    return this.once("limits", () => UserLimits.fromConfig(this.config, this.redis, this.keys));
  }
  get feedback(): FeedbackStore {
    return this.once(
      "feedback",
      () => new FeedbackStore({ redis: this.redis, keys: this.keys, log: this.log }),
    );
  }
  get adapters(): AdapterStore {
    return this.once(
      "adapters",
      () => new AdapterStore({ redis: this.redis, keys: this.keys, log: this.log }),
    );
  }
  get dedupe(): UpdateDedupe {
    return this.once(
      "dedupe",
      () =>
        new UpdateDedupe({
          redis: this.redis,
          keys: this.keys,
          dedupeTtlSeconds: this.config.limits.dedupeTtlSeconds,
        }),
    );
  }
  /** The generation client (closed with the runtime). */
  get generation(): GenerationClient {
    return this.once("generation", () => {
      const client = new GenerationClient({
        redis: this.redis,
        keys: this.keys,
        store: this.chats,
        attempts: this.config.queue.attempts,
        backoffMs: this.config.queue.backoffMs,
        routing: this.config.queue.routing,
      });
      this.onClose(() => client.close());
      return client;
    });
  }

  /** Runs `close` when the runtime closes, before the connections go (last registered, first run). */
  onClose(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  /** Closes what was registered, then the connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
      await Promise.all(
        [this.redis, ...this.blocking].map((connection) => connection.quit().catch(() => undefined)),
      );
    })();
    return this.closing;
  }

  private once<T>(name: string, make: () => T): T {
    if (!this.made.has(name)) this.made.set(name, make());
    return this.made.get(name) as T;
  }
}

/** The runtime of one role against the Redis at `redisUrl`. */
export function createServiceRuntime(
  config: Config,
  redisUrl: string,
  log: Logger,
  options: ServiceRuntimeOptions,
): ServiceRuntime {
  return new ServiceRuntime(config, redisUrl, log, options);
}
