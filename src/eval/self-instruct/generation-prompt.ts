// The request for a batch of new tasks: a few example tasks from the pool, and the rules the
// self-instruct and Alpaca authors gave their teacher (varied, doable by a text model, short
// instructions, realistic inputs, no answers), written here in Russian for a Russian dataset.
import type { EndpointMessage } from "../openai-endpoint.js";
import type { PoolTask } from "./seed-task.js";

/** What the examples and the requested tasks write when a task has no input. */
export const NO_INPUT_MARKER = "<нет входных данных>";

const SYSTEM = "Ты помогаешь составлять разнообразные задания для обучения русскоязычного ассистента.";

/** The messages asking the teacher for `count` new tasks in the format the parser expects best. */
export function buildGenerationMessages(examples: readonly PoolTask[], count: number): EndpointMessage[] {
  const shown = examples.map((task, index) => formatTask(index + 1, task)).join("\n###\n");
  const user = [
    `Придумай ${count} новых разнообразных заданий для языковой модели, которая отвечает на русском языке.`,
    "",
    "Требования:",
    "1. Не повторяй глаголы и формулировки: задания должны начинаться по-разному.",
    "2. Задания разных типов: вопросы на знания, рассуждение, написание текстов, переписывание и редактирование, " +
      "классификация, извлечение информации, перевод, код, советы, планирование, математика, беседа.",
    "3. Языковая модель умеет только читать и писать текст: никаких заданий про изображения, рисунки, " +
      "фотографии, видео, аудио, файлы, графики, интернет-ссылки или действия в реальном мире.",
    "4. Инструкция — одно-два предложения на русском языке: вопрос или просьба.",
    "5. Некоторым заданиям нужен вход — текст, с которым надо работать (до 100 слов, реалистичный, " +
      `не заглушка). Если вход не нужен, пиши «${NO_INPUT_MARKER}». Примерно у половины заданий входа быть не должно.`,
    "6. Не пиши ответы на задания.",
    "",
    "Формат каждого задания (задания разделяй строкой ###):",
    "Задание N",
    "Инструкция: <текст инструкции>",
    `Вход: <текст входа или ${NO_INPUT_MARKER}>`,
    "",
    "Примеры заданий:",
    "",
    shown,
    "",
    `Теперь напиши ${count} новых заданий, не похожих на примеры, нумеруя их с 1.`,
  ].join("\n");
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: user },
  ];
}

function formatTask(number: number, task: PoolTask): string {
  return [
    `Задание ${number}`,
    `Инструкция: ${task.instruction.replace(/\s+/g, " ").trim()}`,
    `Вход: ${task.input.trim() || NO_INPUT_MARKER}`,
  ].join("\n");
}
