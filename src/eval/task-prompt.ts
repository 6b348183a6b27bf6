// The prompt every side answers a task with, built the Saiga way: the system prompt, then one user
// message holding the instruction and, after a blank line, the input it works on. Every side gets
// the very same messages, so a side-by-side compares answers, not prompts.
import type { ChatMessage } from "../engine/index.js";
import type { Task } from "./task-file.js";

/** The user message of a task: the instruction, then the input (when there is one) after a blank line. */
export function taskUserText(task: Pick<Task, "instruction" | "input">): string {
  const input = task.input?.trim();
  return input ? `${task.instruction.trim()}\n\n${input}` : task.instruction.trim();
}

/** The conversation a side answers: the system prompt (left out when empty) and the task's user message. */
export function taskMessages(task: Pick<Task, "instruction" | "input">, systemPrompt: string): ChatMessage[] {
  return [
    ...(systemPrompt ? [{ role: "system" as const, content: systemPrompt }] : []),
    { role: "user" as const, content: taskUserText(task) },
  ];
}
