// One line of self-instruct's output: a Saiga example (`messages` ending with the teacher's answer
// as `bot`, `label`, `weight`, the shape `saiga train --dataset` reads) that also keeps the task
// it came from, so a restarted run rebuilds its pool from the file. The trainer ignores the extra
// fields.
import { z } from "zod";
import type { PoolTask } from "./seed-task.js";
import { taskMessages } from "../task-prompt.js";

export const selfInstructRecordSchema = z.object({
  messages: z.array(z.object({ role: z.enum(["system", "user", "bot"]), content: z.string() })).min(2),
  label: z.literal(true),
  weight: z.number(),
  instruction: z.string().min(1),
  input: z.string(),
  source: z.literal("self-instruct"),
});
export type SelfInstructRecord = z.infer<typeof selfInstructRecordSchema>;

/** The record of `task` answered with `answer`, prompted the Saiga way with `systemPrompt`. */
export function selfInstructRecord(task: PoolTask, systemPrompt: string, answer: string): SelfInstructRecord {
  const prompt = taskMessages(task, systemPrompt).map(({ role, content }) => ({
    role: role === "system" ? ("system" as const) : ("user" as const),
    content,
  }));
  return {
    messages: [...prompt, { role: "bot", content: answer.trim() }],
    label: true,
    weight: 1,
    instruction: task.instruction,
    input: task.input,
    source: "self-instruct",
  };
}
