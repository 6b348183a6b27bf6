// One training example in the Saiga format (IlyaGusev/rulm): a conversation whose last message is
// the bot's answer, with a label (desirable or not) and a weight. This is the shape of the Saiga
// JSONL files `saiga dataset export` writes and `saiga train --dataset` reads.
import { z } from "zod";

/** Roles of the Saiga format: `bot` is the model (the engine's `assistant`). */
export const SAIGA_ROLES = ["system", "user", "bot"] as const;

/** One message of a Saiga conversation. */
export const saigaMessageSchema = z.object({
  role: z.enum(SAIGA_ROLES, { errorMap: () => ({ message: `expected one of ${SAIGA_ROLES.join(", ")}` }) }),
  content: z.string({ invalid_type_error: "expected a string", required_error: "expected a string" }),
});

/**
 * One example: `messages` ends with the answer (`bot`) to a `user` message; a `system` message
 * may only come first. `label` defaults to true (desirable), `weight` to 1.
 */
export const saigaExampleSchema = z
  .object({
    messages: z
      .array(saigaMessageSchema, { invalid_type_error: "expected an array of {role, content}" })
      .min(2, "expected at least a user message and the bot's answer"),
    label: z
      .boolean({ invalid_type_error: "expected true (desirable) or false (undesirable)" })
      .default(true),
    weight: z
      .number({ invalid_type_error: "expected a number" })
      .finite("expected a finite number")
      .min(0, "expected a number ≥ 0")
      .default(1),
  })
  .superRefine((example, context) => {
    const { messages } = example;
    const last = messages.length - 1;
    if (messages[last]?.role !== "bot")
      context.addIssue({
        code: "custom",
        path: ["messages", last, "role"],
        message: "the last message must be the bot's answer (role bot)",
      });
    if (messages[last - 1]?.role !== "user")
      context.addIssue({
        code: "custom",
        path: ["messages", last - 1, "role"],
        message: "the answer must follow a user message",
      });
    messages.forEach((message, index) => {
      if (index > 0 && message.role === "system")
        context.addIssue({
          code: "custom",
          path: ["messages", index, "role"],
          message: "only the first message may be a system message",
        });
    });
  });

export type SaigaMessage = z.infer<typeof saigaMessageSchema>;
/** A validated example (label and weight filled in). */
export type SaigaExample = z.infer<typeof saigaExampleSchema>;
