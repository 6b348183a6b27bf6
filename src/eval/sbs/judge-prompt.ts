// The pairwise prompt the judge sees: the task, two answers labelled A and B, and a request to
// explain first and score both 1–10 as JSON last. Russian tasks get a Russian prompt (judges
// grade a language better in that language), the rest an English one.
import type { EndpointMessage } from "../openai-endpoint.js";
import type { Task } from "../task-file.js";

/** Whether a task is Russian: its instruction contains Cyrillic letters. */
export function isRussianTask(task: Pick<Task, "instruction">): boolean {
  return /[\u0400-\u04FF]/.test(task.instruction);
}

const RUSSIAN = {
  system:
    "Ты — беспристрастный эксперт, который сравнивает ответы двух ИИ-ассистентов на одно и то же задание. " +
    "Оценивай полезность, точность, полноту, следование инструкции и качество русского языка. " +
    "Порядок ответов и их длина не должны влиять на оценку.",
  task: "Задание",
  input: "Входные данные",
  ask:
    "Сначала коротко объясни, чем ответы различаются и какой лучше, затем поставь каждому ответу оценку " +
    "от 1 до 10. Заверши ответ одним JSON-объектом без лишнего текста после него:\n" +
    '{"explanation": "<объяснение>", "score_a": <оценка A>, "score_b": <оценка B>}',
};

const ENGLISH = {
  system:
    "You are an impartial expert comparing the answers of two AI assistants to the same task. " +
    "Judge helpfulness, accuracy, completeness, how well the instruction is followed and the quality " +
    "of the language. Neither the order of the answers nor their length should sway you.",
  task: "Task",
  input: "Input",
  ask:
    "First explain briefly how the answers differ and which is better, then score each answer from 1 to 10. " +
    "End with a single JSON object and nothing after it:\n" +
    '{"explanation": "<explanation>", "score_a": <score of A>, "score_b": <score of B>}',
};

/** The messages asking the judge to compare `answerA` (shown first) with `answerB` on `task`. */
export function judgePrompt(task: Task, answerA: string, answerB: string): EndpointMessage[] {
  const text = isRussianTask(task) ? RUSSIAN : ENGLISH;
  const parts = [`${text.task}:\n${task.instruction}`];
  if (task.input) parts.push(`${text.input}:\n${task.input}`);
  parts.push(`<answer_a>\n${answerA}\n</answer_a>`, `<answer_b>\n${answerB}\n</answer_b>`, text.ask);
  return [
    { role: "system", content: text.system },
    { role: "user", content: parts.join("\n\n") },
  ];
}
