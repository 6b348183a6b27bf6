// The entries of a request's token stream, and the stats and result every reader can rely on.
// Writers and readers share these schemas: a reader never compares free-form strings.
import { z } from "zod";
import type { GenerationStats, StopReason } from "../../engine/generation-event.js";

export const stopReasonSchema = z.enum(["eos", "stop", "maxTokens", "contextFull", "aborted"]);

export const generationStatsSchema = z.object({
  promptTokens: z.number().int().min(0),
  reusedPromptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  timeToFirstTokenMs: z.number().min(0),
  tokensPerSecond: z.number().min(0),
  totalMs: z.number().min(0),
  stopReason: stopReasonSchema,
  droppedMessages: z.number().int().min(0),
});

/**
 * How a request ended: `answered` (stats say how), `cancelled` (by a user or client; the text so
 * far may be there), `skipped` (nothing left to answer, e.g. the chat was reset), `failed`.
 */
export const outcomeSchema = z.enum(["answered", "cancelled", "skipped", "failed"]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** Why a request failed, with the engine's stable code (PROMPT_TOO_LONG, …) and its numbers. */
export const streamErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** e.g. promptTokens, budget and contextSize of PROMPT_TOO_LONG. */
  details: z.record(z.union([z.number(), z.string()])).optional(),
});
export type StreamError = z.infer<typeof streamErrorSchema>;

/** The last entry of every stream. */
export const streamEndSchema = z.object({
  type: z.literal("end"),
  text: z.string(),
  outcome: outcomeSchema,
  /** Set when the engine generated (answered, or cancelled mid-way). */
  stats: generationStatsSchema.nullable(),
  /** The adapter version that answered (null: the bare model). */
  adapter: z.string().nullable().optional(),
  /** Why it was skipped. */
  reason: z.string().optional(),
  error: streamErrorSchema.optional(),
});

export const streamEntrySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("delta"), text: z.string() }),
  /** A retried generation starts over: readers drop the text they have. */
  z.object({ type: z.literal("reset") }),
  streamEndSchema,
]);

export type StreamEnd = z.infer<typeof streamEndSchema>;
/** An entry as read, with its stream id (to resume after it). */
export type TokenStreamEntry = z.infer<typeof streamEntrySchema> & { id: string };
export type EndEntry = StreamEnd & { id: string };

/** What the engine worker returns to BullMQ for a generate job (kept in the job record). */
export const generateResultSchema = z.object({
  outcome: outcomeSchema,
  stats: generationStatsSchema.nullable(),
  model: z.string().optional(),
  adapter: z.string().nullable().optional(),
  reason: z.string().optional(),
});
export type GenerateResult = z.infer<typeof generateResultSchema>;

// The engine's types and these schemas describe the same data: compile-time checks.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const statsMatchEngine: Same<z.infer<typeof generationStatsSchema>, GenerationStats> = true;
export const stopReasonMatchesEngine: Same<z.infer<typeof stopReasonSchema>, StopReason> = true;
