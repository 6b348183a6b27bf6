// The conversation shape every channel hands to the engine.
import { z } from "zod";

/** One turn of a conversation. `assistant` is the model's own earlier answer. */
export const chatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatMessagesSchema = z.array(chatMessageSchema);
