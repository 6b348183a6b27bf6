// Where a user's data lives in Redis, read by /export and deleted by /forget: their private chat
// (its id is the user's), the generation records of its answers, and their feedback anywhere.
import type { RedisConnection } from "./redis-connection.js";
import { feedbackRecordSchema, type FeedbackRecord } from "./feedback-store.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";

/** A feedback record with its field in the records hash. */
export interface StoredFeedback {
  field: string;
  record: FeedbackRecord;
}

/**
 * The user's feedback records: their votes and regenerations in any chat, plus anything recorded
 * in their private chat. Reads the records hash with HSCAN (it holds every chat's feedback).
 */
export async function feedbackOfUser(
  redis: RedisConnection,
  keys: RedisKeys,
  userId: string,
): Promise<StoredFeedback[]> {
  const found: StoredFeedback[] = [];
  let cursor = "0";
  do {
    const [next, flat] = await redis.hscan(keys.feedback("records"), cursor, "COUNT", 500);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const parsed = feedbackRecordSchema.safeParse(parseJson(flat[i + 1]!));
      if (!parsed.success) continue;
      if (parsed.data.userId === userId || parsed.data.chatId === userId) {
        found.push({ field: flat[i]!, record: parsed.data });
      }
    }
  } while (cursor !== "0");
  return found;
}

/**
 * Redis glob patterns of every key of the user's private chat (a private chat's id is the user's
 * id): its history, turns, settings, lease, receipts, and the streams, records and cancellation
 * markers of its requests (`chat_<id>_answer_<n>`). The `_answer_` keeps chat 12 from matching 123.
 */
export function privateChatKeyPatterns(keys: RedisKeys, userId: string): string[] {
  const escaped = escapeGlob(userId);
  const request = `chat_${escaped}_answer_*`;
  return [
    `${escapeGlob(keys.prefix)}:\\{chat:${escaped}\\}:*`,
    `${escapeGlob(keys.prefix)}:\\{req:${request}`,
    `${escapeGlob(keys.prefix)}:\\{job:${request}`,
  ];
}

/** Every key matching `pattern`, by SCAN (never KEYS, which blocks Redis); on a Cluster, of every master. */
export async function scanKeys(redis: RedisConnection, pattern: string): Promise<string[]> {
  const found: string[] = [];
  // SCAN sees the keys of the one node it is sent to.
  for (const node of "nodes" in redis ? redis.nodes("master") : [redis]) {
    let cursor = "0";
    do {
      const [next, batch] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
  }
  return [...new Set(found)];
}

/** Escapes Redis glob characters, so that ids and prefixes match literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\{}]/g, (c) => `\\${c}`);
}
