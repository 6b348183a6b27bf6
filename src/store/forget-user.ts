// `/forget`: deletes what Redis keeps about one user. Their private chat goes whole (history,
// turns, settings, receipts, lease) with its requests' streams and generation records; their
// votes and regenerations go in every chat, with the counts they added. In groups only their own
// feedback goes: the group's history and its answers belong to the group. Kept on purpose: the
// privacy choice (an opt-out must survive a /forget) and the short-lived usage counters
// (`{user:<id>}:rate|tokens`, expiring within a day), so that /forget never resets a limit.
import type { RedisConnection } from "./redis-connection.js";
import type { RedisKeys } from "./redis-keys.js";
import { forgetFeedback } from "./scripts/forget-feedback.js";
import { runScript } from "./scripts/run-script.js";
import { feedbackOfUser, privateChatKeyPatterns, scanKeys } from "./user-data.js";

/** What {@link forgetUser} deleted. */
export interface ForgottenUser {
  /** Keys deleted: the private chat's and its requests'. */
  keys: number;
  /** Feedback records deleted (votes and regenerations). */
  feedback: number;
}

/** Fields per script call: bounded, so that one call never blocks Redis for long. */
const FIELDS_PER_CALL = 500;

/**
 * Deletes the user's data. Feedback goes through one script per batch (record, index entry and
 * count together); the keys are unlinked in one pipeline. Call it after the chat's running answer
 * was stopped; BullMQ's finished jobs of the chat are the generation service's to remove.
 */
export async function forgetUser(
  redis: RedisConnection,
  keys: RedisKeys,
  userId: string,
): Promise<ForgottenUser> {
  const fields = (await feedbackOfUser(redis, keys, userId)).map((stored) => stored.field);
  let feedback = 0;
  for (let i = 0; i < fields.length; i += FIELDS_PER_CALL) {
    feedback += Number(
      await runScript(
        redis,
        forgetFeedback,
        [keys.feedback("records"), keys.feedback("index"), keys.feedback("counts")],
        fields.slice(i, i + FIELDS_PER_CALL),
      ),
    );
  }
  const found = (
    await Promise.all(privateChatKeyPatterns(keys, userId).map((pattern) => scanKeys(redis, pattern)))
  ).flat();
  // One UNLINK per key, not one pipeline: keys of different hash tags live in different Cluster
  // slots, and a Cluster pipeline must keep to one.
  await Promise.all([...found.map((key) => redis.unlink(key)), redis.zrem(keys.chats(), userId)]);
  return { keys: found.length, feedback };
}
