// Token streams: each request's text deltas go to a capped Redis Stream that any channel reads,
// from the start or resuming after the last entry it saw. A retried job first writes a `reset`
// entry (readers drop the partial text they have); the last entry is `end`, with the stats.
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import {
  streamEndSchema,
  type EndEntry,
  type StreamEnd,
  type TokenStreamEntry,
} from "./protocol/stream-entry.js";

export type { TokenStreamEntry, EndEntry } from "./protocol/stream-entry.js";

/** Writes one request's stream. Commands are pipelined by ioredis in order; `end` awaits them all. */
export class TokenStreamWriter {
  private readonly key: string;
  private pending: Promise<unknown>[] = [];
  private expirySet = false;
  private buffered = "";
  private flushTimer: NodeJS.Immediate | undefined;

  constructor(
    private readonly redis: RedisConnection,
    keys: RedisKeys,
    requestId: string,
    private readonly maxLength: number,
    private readonly ttlSeconds: number,
  ) {
    this.key = keys.stream(requestId);
  }

  /** Tells readers to forget what they have read (a retried generation starts over). */
  reset(): void {
    this.buffered = "";
    this.add(["type", "reset"]);
  }

  /**
   * Adds text. Deltas that arrive within one turn of the event loop go out as one entry: a real
   * model yields a token every few milliseconds (one entry each), a burst costs one XADD, not fifty.
   */
  delta(text: string): void {
    this.buffered += text;
    if (this.flushTimer) return;
    this.flushTimer = setImmediate(() => this.flush());
  }

  /** Writes the buffered text now (a worker does so before its end-of-answer bookkeeping). */
  flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffered === "") return;
    const text = this.buffered;
    this.buffered = "";
    this.add(["type", "delta", "text", text]);
  }

  /** The last entry: how it ended, the whole text and the stats. */
  async end(end: Omit<StreamEnd, "type">): Promise<void> {
    this.flush();
    this.add(["type", "end", "end", JSON.stringify(streamEndSchema.parse({ ...end, type: "end" }))]);
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }

  private add(fields: string[]): void {
    this.pending.push(this.redis.xadd(this.key, "MAXLEN", "~", this.maxLength, "*", ...fields));
    // The TTL is set with the first entry (a crashed writer's stream still expires) and again at the end.
    if (!this.expirySet || fields[1] === "end") {
      this.pending.push(this.redis.expire(this.key, this.ttlSeconds));
      this.expirySet = true;
    }
  }
}

/** Options of {@link readTokenStream}. */
export interface ReadTokenStreamOptions {
  /** Resume after this entry id. Default: from the start. */
  after?: string;
  /** Stop waiting. */
  signal?: AbortSignal;
  /** Longest single blocking read, in ms (the signal is checked between reads). Default: 1000. */
  blockMs?: number;
  /** Give up when nothing arrives for this long, in ms. Default: wait forever. */
  idleTimeoutMs?: number;
}

/**
 * Reads a request's stream until its `end` entry. Needs a connection of its own while it waits
 * (XREAD BLOCK holds the connection): pass a duplicate, not a shared client.
 */
export async function* readTokenStream(
  redis: RedisConnection,
  keys: RedisKeys,
  requestId: string,
  options: ReadTokenStreamOptions = {},
): AsyncGenerator<TokenStreamEntry, void, void> {
  const key = keys.stream(requestId);
  let last = options.after ?? "0-0";
  let idleSince = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await redis.xread("COUNT", 512, "BLOCK", options.blockMs ?? 1000, "STREAMS", key, last);
    const entries = result?.[0]?.[1] ?? [];
    if (entries.length === 0) {
      if (options.idleTimeoutMs !== undefined && Date.now() - idleSince > options.idleTimeoutMs) return;
      continue;
    }
    idleSince = Date.now();
    for (const [id, flat] of entries) {
      last = id;
      const entry = parseEntry(id, flat);
      if (!entry) continue;
      yield entry;
      if (entry.type === "end") return;
    }
  }
}

function parseEntry(id: string, flat: string[]): TokenStreamEntry | null {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
  switch (fields.get("type")) {
    case "delta":
      return { id, type: "delta", text: fields.get("text") ?? "" };
    case "reset":
      return { id, type: "reset" };
    case "end": {
      let json: unknown;
      try {
        json = JSON.parse(fields.get("end") ?? "null");
      } catch {
        json = null;
      }
      const end = streamEndSchema.safeParse(json);
      // A damaged end still ends the stream: the reader must not wait forever.
      return end.success
        ? { ...end.data, id }
        : {
            id,
            type: "end",
            text: "",
            outcome: "failed",
            stats: null,
            error: { code: "BAD_STREAM_ENTRY", message: "the stream's end entry could not be read" },
          };
    }
    default:
      return null;
  }
}

/** Reads a stream to its end and returns the final entry and the streamed text (applying resets), for callers that do not stream. */
export async function readWholeAnswer(
  redis: RedisConnection,
  keys: RedisKeys,
  requestId: string,
  options: ReadTokenStreamOptions = {},
): Promise<(EndEntry & { streamed: string; resets: number }) | null> {
  let streamed = "";
  let resets = 0;
  for await (const entry of readTokenStream(redis, keys, requestId, options)) {
    if (entry.type === "delta") streamed += entry.text;
    else if (entry.type === "reset") {
      streamed = "";
      resets++;
    } else return { ...entry, streamed, resets };
  }
  return null;
}
