// One turn of a chat's stored history: what the gateway and the engine write, and what a prompt
// and the feedback/training pipeline read back. Validated on write and on every read.
import { z } from "zod";

const count = z.number().int("expected a whole number").min(0, "expected a whole number ≥ 0");

/** Schema of a stored turn. Unknown fields are dropped (older readers of newer records). */
export const historyTurnSchema = z.object({
  role: z.enum(["user", "assistant"], { errorMap: () => ({ message: 'expected "user" or "assistant"' }) }),
  text: z.string({ invalid_type_error: "expected text" }),
  /** When the turn was written, in ms since the epoch. */
  time: count,
  /** The generation request the turn belongs to (an assistant turn: the one that produced it). */
  requestId: z.string().min(1).optional(),
  /** Telegram user who wrote a user turn (group chats have several). */
  userId: z.string().optional(),
  userName: z.string().optional(),
  /** Model that produced an assistant turn. */
  model: z.string().optional(),
  /** LoRA adapter version that produced an assistant turn; null: the base model. */
  adapter: z.string().nullable().optional(),
  promptTokens: count.optional(),
  completionTokens: count.optional(),
});

/** A stored history turn. */
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

/** A turn as read back, with its absolute index: its position among all turns ever appended to the chat. */
export type StoredTurn = HistoryTurn & { index: number };
