// What one generation was: the exact conversation the model saw (after trimming), the answer and
// who produced it. The engine writes it when an answer ends; feedback copies it, so that training
// learns from the very prompt and answer a user voted on.
import { z } from "zod";

const count = z.number().int().min(0);

/** One message of the prompt, as the engine received it. */
export const promptMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

/** Schema of a stored generation record. */
export const generationRecordSchema = z.object({
  requestId: z.string().min(1),
  chatId: z.string().min(1),
  /** The conversation the model answered: system prompt first, oldest turns trimmed as the engine did. */
  prompt: z.array(promptMessageSchema).min(1),
  answer: z.string(),
  /** Model file name. */
  model: z.string(),
  /** LoRA adapter version; null for the base model. */
  adapter: z.string().nullable(),
  promptTokens: count,
  completionTokens: count,
  stopReason: z.string(),
  /** When the answer ended, in ms since the epoch. */
  time: count,
});

export type PromptMessage = z.infer<typeof promptMessageSchema>;
export type GenerationRecord = z.infer<typeof generationRecordSchema>;
