// One side's answer to one task: what `saiga eval answers` writes and `saiga eval sbs` reads
// (JSON Lines, one record a line). `side` labels who answered, so a report can name both sides.
import { z } from "zod";
import { taskSchema } from "./task-file.js";

export const answerRecordSchema = taskSchema.extend({
  answer: z.string(),
  /** Who answered: a label such as "base", "adapter-v3" or "gpt-4o". */
  side: z.string().min(1, "expected a side label"),
  /** The model that answered, where known. */
  model: z.string().optional(),
  /** The adapter version applied, null for the bare base model. */
  adapter: z.string().nullable().optional(),
  /** How long the answer took, in milliseconds. */
  latencyMs: z.number().optional(),
});
export type AnswerRecord = z.infer<typeof answerRecordSchema>;
