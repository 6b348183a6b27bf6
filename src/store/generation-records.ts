// Stores generation records (see generation-record.ts) next to the request's token stream, for
// `history.recordsTtlDays`: a vote on an answer can come days later.
import type { RedisConnection } from "./redis-connection.js";
import type { Logger } from "../log/index.js";
import { generationRecordSchema, type GenerationRecord } from "./generation-record.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";
import { InvalidRecordError } from "./store-errors.js";

/** Options of {@link GenerationRecords}. */
export interface GenerationRecordsOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** How long a record is kept (`history.recordsTtlDays`, in seconds). */
  ttlSeconds: number;
  log?: Logger;
}

/** Reads and writes generation records. */
export class GenerationRecords {
  constructor(private readonly options: GenerationRecordsOptions) {}

  /** Stores a record (replacing an earlier attempt's). @throws InvalidRecordError on a schema mismatch. */
  async save(record: GenerationRecord): Promise<void> {
    const parsed = generationRecordSchema.safeParse(record);
    if (!parsed.success) throw new InvalidRecordError("generation record", parsed.error);
    const { redis, keys, ttlSeconds } = this.options;
    await redis.set(keys.record(record.requestId), JSON.stringify(parsed.data), "EX", ttlSeconds);
  }

  /** The record of a request, or null when there is none (expired, never finished) or it is corrupt. */
  async get(requestId: string): Promise<GenerationRecord | null> {
    const raw = await this.options.redis.get(this.options.keys.record(requestId));
    if (raw === null) return null;
    const parsed = generationRecordSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.options.log?.warn({ requestId }, "ignoring a corrupt generation record");
    return null;
  }
}
