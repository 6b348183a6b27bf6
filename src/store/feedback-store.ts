// Feedback on answers: 👍 and 👎 votes (one per user and message, changeable) and regenerated
// answers (a weak negative). Each record carries a copy of the prompt and answer it is about, so
// the training pipeline reads exactly what the user judged, even after the chat was reset.
import type { RedisConnection } from "./redis-connection.js";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import { promptMessageSchema } from "./generation-record.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";
import { recordFeedback } from "./scripts/record-feedback.js";
import { runScript } from "./scripts/run-script.js";
import { InvalidRecordError } from "./store-errors.js";

export const FEEDBACK_KINDS = ["up", "down", "regenerated"] as const;
/** 👍, 👎, or an answer the user replaced with 🔄. */
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** Schema of a stored feedback record. */
export const feedbackRecordSchema = z.object({
  kind: z.enum(FEEDBACK_KINDS),
  chatId: z.string().min(1),
  /** The Telegram message voted on (the answer's last part); null for a regenerated answer. */
  messageId: z.number().int().nullable(),
  requestId: z.string().min(1),
  /** Who voted or regenerated. */
  userId: z.string().min(1),
  /** The conversation the model answered, as it saw it. */
  prompt: z.array(promptMessageSchema).min(1),
  answer: z.string(),
  model: z.string(),
  adapter: z.string().nullable(),
  time: z.number().int().min(0),
});

export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** Options of {@link FeedbackStore}. */
export interface FeedbackStoreOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  log?: Logger;
}

/** Stores and reads feedback. */
export class FeedbackStore {
  constructor(private readonly options: FeedbackStoreOptions) {}

  /**
   * Stores a record. A vote replaces the same user's earlier vote on the same message (👍 then 👎
   * leaves one 👎); a regeneration is stored once per replaced request.
   * @returns the kind the record replaced, or null when it is new
   */
  async record(record: FeedbackRecord): Promise<FeedbackKind | null> {
    const parsed = feedbackRecordSchema.safeParse(record);
    if (!parsed.success) throw new InvalidRecordError("feedback record", parsed.error, record);
    const { redis, keys } = this.options;
    const previous = await runScript(
      redis,
      recordFeedback,
      [keys.feedback("records"), keys.feedback("index"), keys.feedback("counts")],
      [fieldOf(parsed.data), JSON.stringify(parsed.data), parsed.data.kind, parsed.data.time],
    );
    return typeof previous === "string" ? (previous as FeedbackKind) : null;
  }

  /** Records per kind. */
  async counts(): Promise<Record<FeedbackKind, number>> {
    const raw = await this.options.redis.hgetall(this.options.keys.feedback("counts"));
    return {
      up: Number(raw.up ?? 0),
      down: Number(raw.down ?? 0),
      regenerated: Number(raw.regenerated ?? 0),
    };
  }

  /** Records changed after `since` (ms), oldest first; corrupt ones are logged and skipped. */
  async since(since = 0, limit = 100_000): Promise<FeedbackRecord[]> {
    const { redis, keys, log } = this.options;
    const fields = await redis.zrangebyscore(keys.feedback("index"), `(${since}`, "+inf", "LIMIT", 0, limit);
    if (fields.length === 0) return [];
    const raws = await redis.hmget(keys.feedback("records"), ...fields);
    const records: FeedbackRecord[] = [];
    raws.forEach((raw, i) => {
      const parsed = feedbackRecordSchema.safeParse(raw === null ? undefined : parseJson(raw));
      if (parsed.success) records.push(parsed.data);
      else log?.warn({ field: fields[i] }, "skipping a corrupt feedback record");
    });
    return records;
  }
}

/** One record per user and message for votes; one per replaced request for regenerations. */
function fieldOf(record: FeedbackRecord): string {
  return record.kind === "regenerated"
    ? `${record.chatId}:regenerated:${record.requestId}`
    : `${record.chatId}:${record.messageId}:${record.userId}`;
}
