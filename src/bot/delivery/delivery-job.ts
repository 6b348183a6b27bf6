// The `deliver` job: a gateway streams one answer into Telegram. It lives in BullMQ so that an
// answer whose gateway died is picked up by another (or the restarted) gateway, which continues
// from the progress recorded in the job.
import { z } from "zod";
import { LANGUAGES } from "../i18n/language.js";

/** Name of the BullMQ queue that carries deliveries. */
export const DELIVER_QUEUE = "deliver";

/** What was already sent, so that a taken-over delivery does not send it again. */
export const deliveryProgressSchema = z.object({
  /** The streaming message (edit mode), edited into the answer's first part at the end. */
  previewMessageId: z.number().int().optional(),
  /** Final parts already sent. */
  sentParts: z.number().int().min(0).default(0),
});

/** Job data, validated by the delivery worker. */
export const deliveryJobSchema = z.object({
  requestId: z.string().min(1),
  /** The Telegram chat (not the conversation id: a forum topic is `chatId` + `threadId`). */
  chatId: z.string().min(1),
  /** The chat's answer number (drafts are numbered after it). */
  answer: z.number().int().min(0),
  chatType: z.enum(["private", "group"]),
  /** The message that asked: the answer replies to it. */
  replyTo: z.number().int().optional(),
  /** Forum topic (its message_thread_id). */
  threadId: z.number().int().optional(),
  language: z.enum(LANGUAGES),
  progress: deliveryProgressSchema.optional(),
});

export type DeliveryJob = z.infer<typeof deliveryJobSchema>;
export type DeliveryProgress = z.infer<typeof deliveryProgressSchema>;
