// The `generate` job: what a producer puts on the queue and an engine worker takes off it. Two
// kinds: `chat` answers a chat whose history is in Redis (Telegram, the terminal); `messages`
// carries its whole conversation and settings (the HTTP API and other stateless callers).
import { z } from "zod";
import { chatMessageSchema } from "../../engine/chat-message.js";
import { responseFormatSchema } from "../../engine/response-format.js";
import { requestSamplingSchema } from "../../engine/sampling-options.js";

/** Name of the BullMQ queue that carries generation jobs. */
export const GENERATE_QUEUE = "generate";

/** Which weights answer: the bare model, the registry's active adapter, or one adapter version. */
export const adapterChoiceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("base") }),
  z.object({ kind: z.literal("active") }),
  z.object({ kind: z.literal("version"), version: z.string().min(1) }),
]);
export type AdapterChoice = z.infer<typeof adapterChoiceSchema>;

const jobCommon = {
  /** When the request was enqueued (ms since epoch), for queue-wait measurements. */
  enqueuedAt: z.number(),
  /** Who asked, for quota accounting: a Telegram user id, or `api:<key name>`. */
  userId: z.string().optional(),
};

/** Answer the unanswered user turns of a chat whose history is kept in Redis. */
export const chatJobSchema = z.object({
  kind: z.literal("chat"),
  /** Chat whose unanswered user turns the job answers. */
  chatId: z.string().min(1),
  /** The chat's answer number: all user messages that arrive before it starts are answered together. */
  answer: z.number().int().min(0),
  /** Which weights answer (the chat's model choice, an A/B assignment). Default: the active adapter. */
  adapter: adapterChoiceSchema.optional(),
  ...jobCommon,
});

/** Answer an explicit conversation (or raw prompt); nothing is read from or written to a history. */
export const messagesJobSchema = z
  .object({
    kind: z.literal("messages"),
    messages: z.array(chatMessageSchema).min(1).optional(),
    /** A raw prompt (no chat template), instead of `messages`. */
    prompt: z.string().optional(),
    sampling: requestSamplingSchema.default({}),
    stop: z.array(z.string().min(1)).max(16).default([]),
    responseFormat: responseFormatSchema.default({ type: "text" }),
    adapter: adapterChoiceSchema.default({ kind: "active" }),
    /** Which of the request's `n` choices this job is (0-based). */
    choice: z.number().int().min(0).default(0),
    ...jobCommon,
  })
  .refine((job) => (job.messages === undefined) !== (job.prompt === undefined), {
    message: "a messages job has either messages or a prompt",
  });

/** Jobs written before the `kind` field existed are chat jobs. */
export const generateJobSchema = z.preprocess(
  (data) =>
    data !== null && typeof data === "object" && !("kind" in data) ? { ...data, kind: "chat" } : data,
  z.union([chatJobSchema, messagesJobSchema]),
);

export type ChatJob = z.infer<typeof chatJobSchema>;
export type MessagesJob = z.infer<typeof messagesJobSchema>;
/** What a producer writes (defaults filled in by the worker's parse). */
export type MessagesJobInput = z.input<typeof messagesJobSchema>;
export type GenerateJob = ChatJob | MessagesJob;

/**
 * The job id of a chat answer, which is also the request id that channels use to read the
 * answer's stream and to cancel it. One id per (chat, answer): adding a job whose id exists is a
 * no-op in BullMQ, which is what merges a burst of messages into one answer.
 */
export function requestIdOf(chatId: string, answer: number): string {
  return `chat_${chatId}_answer_${answer}`;
}
