// The `generate` job: what a producer puts on the queue and a worker takes off it.
import { z } from "zod";

/** Name of the BullMQ queue that carries generation jobs. */
export const GENERATE_QUEUE = "generate";

/** Job data, validated by the worker before use. */
export const generateJobSchema = z.object({
  /** Chat whose unanswered user turns the job answers. */
  chatId: z.string().min(1),
  /** The chat's answer number: all user messages that arrive before it starts are answered together. */
  answer: z.number().int().min(0),
  /** When the first message of this answer was enqueued (ms since epoch), for latency measurements. */
  enqueuedAt: z.number(),
  /** The user whose message created the job (quota accounting). */
  userId: z.string().optional(),
});

export type GenerateJob = z.infer<typeof generateJobSchema>;

/**
 * The job id, which is also the request id that channels use to read the answer's stream and to
 * cancel it. One id per (chat, answer): adding a job whose id exists is a no-op in BullMQ, which
 * is what merges a burst of messages into one answer.
 */
export function requestIdOf(chatId: string, answer: number): string {
  return `chat_${chatId}_answer_${answer}`;
}
