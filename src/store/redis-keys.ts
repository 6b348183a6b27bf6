// Every Redis key saiga-bot uses, built in one place. Keys that one script or MULTI touches
// together share a hash tag (`{chat:42}`), so that Redis Cluster keeps them in one slot.

/** Key builder for one configured prefix. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash tag of a chat: every per-chat key carries it. */
  private chat(chatId: string): string {
    return `${this.prefix}:{chat:${chatId}}`;
  }

  /** List of JSON history turns, oldest first. */
  history(chatId: string): string {
    return `${this.chat(chatId)}:history`;
  }
  /** Hash of turn bookkeeping: `appended` (turns ever appended), `next` (next answer number), `boundary:<n>`. */
  turns(chatId: string): string {
    return `${this.chat(chatId)}:turns`;
  }
  /** JSON chat settings. */
  settings(chatId: string): string {
    return `${this.chat(chatId)}:settings`;
  }
  /** The per-chat generation lease: the job that may generate for this chat now. */
  lease(chatId: string): string {
    return `${this.chat(chatId)}:lease`;
  }
  /** Receipt of one appended message (a Telegram message id), making its append idempotent. */
  receipt(chatId: string, messageId: string): string {
    return `${this.chat(chatId)}:receipt:${messageId}`;
  }
  /** Remembers a Telegram update id to drop duplicates. */
  update(updateId: number | string): string {
    return `${this.prefix}:update:${updateId}`;
  }
  /** Messages of a user in one minute window. */
  rate(userId: string, minute: number): string {
    return `${this.prefix}:{user:${userId}}:rate:${minute}`;
  }
  /** Tokens a user used on one UTC day (YYYY-MM-DD). */
  tokens(userId: string, day: string): string {
    return `${this.prefix}:{user:${userId}}:tokens:${day}`;
  }
  /** Set of banned user ids. */
  bans(): string {
    return `${this.prefix}:bans`;
  }
  /** Access lists share one hash tag: ids allowed (`allowed`) and refused (`denied`) at runtime, over the config's. */
  access(part: "allowed" | "denied"): string {
    return `${this.prefix}:{access}:${part}`;
  }
  /** The engine that answered the chat last and so holds its KV state warm (engine id, with a TTL). */
  route(chatId: string): string {
    return `${this.chat(chatId)}:route`;
  }
  /** The generate queue a request's job was put on (the shared one or an engine's own). */
  placement(requestId: string): string {
    return `${this.prefix}:{req:${requestId}}:queue`;
  }
  /** Set of engine ids that have an own generate queue (kept until a dead engine's queue is drained). */
  engineQueues(): string {
    return `${this.prefix}:engine-queues`;
  }
  /** Marker that a refused user or chat was told why recently (expires after `access.refusalNoticeSeconds`). */
  accessNotice(id: string): string {
    return `${this.prefix}:{user:${id}}:access-notice`;
  }
  /** A one-time invite code (JSON, expires after `access.inviteTtlMinutes`). */
  invite(code: string): string {
    return `${this.prefix}:invite:${code}`;
  }
  /** Redis Stream of one request's text deltas. */
  stream(requestId: string): string {
    return `${this.prefix}:{req:${requestId}}:stream`;
  }
  /** JSON generation record of a request (the prompt the model saw and its answer). */
  record(requestId: string): string {
    return `${this.prefix}:{req:${requestId}}:record`;
  }
  /** Feedback keys share one hash tag: records (hash), the time index (zset) and counts (hash). */
  feedback(part: "records" | "index" | "counts"): string {
    return `${this.prefix}:{feedback}:${part}`;
  }
  /** Per-user daily token limits that override `limits.dailyTokens` (hash user id → tokens). */
  quotas(): string {
    return `${this.prefix}:quotas`;
  }
  /** Hash of polled updates not yet handled (update id → JSON): the polling gateway's durable inbox. */
  inbox(): string {
    return `${this.prefix}:inbox`;
  }
  /** Users' privacy choices (hash user id → JSON `{training, time}`): who opted out of training data. */
  privacy(): string {
    return `${this.prefix}:{privacy}:choices`;
  }
  /** Chats seen by the gateway (zset chat id → last message time), for /stats. */
  chats(): string {
    return `${this.prefix}:chats`;
  }
  /**
   * Adapter registry keys share one hash tag: manifests (hash), active (string), history (list),
   * chunks:<version> (hash), experiment (JSON: the running A/B of adapters), curve:<version> (JSON:
   * the training's loss curve).
   */
  adapters(
    part: "manifests" | "active" | "history" | "experiment" | `chunks:${string}` | `curve:${string}`,
  ): string {
    return `${this.prefix}:{adapters}:${part}`;
  }
  /** Pub/sub channel announcing a change of the active adapter to every engine. */
  adapterChannel(): string {
    return `${this.prefix}:adapters:changed`;
  }
  /** Training bookkeeping: `last` (time of the newest feedback the last training used). */
  training(part: "last"): string {
    return `${this.prefix}:training:${part}`;
  }
  /** Marker that a job of `queue` was cancelled (seen by jobs that had not started yet). */
  cancelled(queue: string, jobId: string): string {
    return `${this.prefix}:{job:${jobId}}:cancelled:${queue}`;
  }
  /** Pub/sub channel on which cancellations of `queue`'s jobs reach every worker. */
  cancelChannel(queue: string): string {
    return `${this.prefix}:cancel:${queue}`;
  }
  /** Hash of the engines serving now (engine id → JSON heartbeat with its model and adapters). */
  engines(): string {
    return `${this.prefix}:engines`;
  }
  /** A dashboard log-in session (by the sha256 of its cookie, so Redis never holds a usable id). */
  dashboardSession(idHash: string): string {
    return `${this.prefix}:dashboard:session:${idHash}`;
  }
  /** Wrong dashboard passwords from one address in the current window (a counter with a TTL). */
  dashboardLoginFailures(address: string): string {
    return `${this.prefix}:dashboard:login-failures:${address}`;
  }
  /** Hash of the Telegram gateways running now (gateway id → JSON heartbeat with its bot). */
  gateways(): string {
    return `${this.prefix}:gateways`;
  }
  /** BullMQ prefix: one hash tag for all queue keys, as BullMQ needs for Cluster. */
  queuePrefix(): string {
    return `{${this.prefix}-queue}`;
  }
}
