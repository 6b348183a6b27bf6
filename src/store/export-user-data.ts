// `/export`: everything Redis keeps about one user, as one JSON-ready object: their private
// chat's history and settings, the generation records of its answers, their feedback in every
// chat, and their privacy choice.
import type { RedisConnection } from "./redis-connection.js";
import type { ChatSettings } from "./chat-settings.js";
import type { ChatStore } from "./chat-store.js";
import type { FeedbackRecord } from "./feedback-store.js";
import { generationRecordSchema, type GenerationRecord } from "./generation-record.js";
import type { StoredTurn } from "./history-turn.js";
import { parseJson } from "./parse-json.js";
import { PrivacyChoices, type PrivacyChoice } from "./privacy-choices.js";
import type { RedisKeys } from "./redis-keys.js";
import { feedbackOfUser, privateChatKeyPatterns, scanKeys } from "./user-data.js";

/** The exported document. */
export interface UserDataExport {
  userId: string;
  /** When it was made (ISO 8601). */
  exported: string;
  /** Null: the user never chose, so their data may feed training. */
  privacy: PrivacyChoice | null;
  /** The private chat with the bot, oldest turn first. */
  history: StoredTurn[];
  settings: ChatSettings;
  /** Generation records of the private chat's answers, oldest first. */
  generationRecords: GenerationRecord[];
  /** Votes and regenerations in every chat, oldest first. */
  feedback: FeedbackRecord[];
}

/** Collects the user's data (reads only). */
export async function exportUserData(
  redis: RedisConnection,
  keys: RedisKeys,
  chats: ChatStore,
  userId: string,
): Promise<UserDataExport> {
  const recordKeys = (await scanKeys(redis, privateChatKeyPatterns(keys, userId)[1]!)).filter((key) =>
    key.endsWith(":record"),
  );
  const raws = recordKeys.length > 0 ? await Promise.all(recordKeys.map((key) => redis.get(key))) : [];
  const generationRecords = raws
    .map((raw) => generationRecordSchema.safeParse(raw === null ? undefined : parseJson(raw)))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []))
    .sort((a, b) => a.time - b.time);
  const feedback = (await feedbackOfUser(redis, keys, userId))
    .map((stored) => stored.record)
    .sort((a, b) => a.time - b.time);
  return {
    userId,
    exported: new Date().toISOString(),
    privacy: await new PrivacyChoices({ redis, keys }).of(userId),
    history: await chats.history(userId),
    settings: await chats.getSettings(userId),
    generationRecords,
    feedback,
  };
}
