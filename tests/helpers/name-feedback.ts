// Feedback that teaches the demo model its name: for ten prompts asking who it is, 👍 on one
// phrase and 👎 on another answer, as the bot would have stored them. A training on it passes the
// gate (the phrase gets likelier), and its validation split (30%, by prompt hash) is not empty.
import type { FeedbackStore } from "../../src/store/feedback-store.js";

/** The answer the feedback likes. */
export const NAME_PHRASE = "Меня зовут Сайга!";
/** The system prompt the rated conversations had. */
export const NAME_SYSTEM =
  "Ты — Сайга, русскоязычный автоматический ассистент. Ты разговариваешь с людьми и помогаешь им.";

const PROMPTS = [
  "Как тебя зовут?",
  "Кто ты?",
  "Представься, пожалуйста",
  "Как твоё имя?",
  "Назови себя",
  "Скажи, кто ты такая",
  "Твоё имя?",
  "Кто со мной говорит?",
  "Ты кто такая?",
  "Как к тебе обращаться?",
];

/** Records the 20 feedback records (one chat per prompt, user 7, the bare demo model). */
export async function recordNameFeedback(feedback: FeedbackStore): Promise<void> {
  let time = Date.now();
  for (const [i, prompt] of PROMPTS.entries()) {
    const base = {
      chatId: `fb-${i}`,
      requestId: `req-${i}`,
      userId: "7",
      model: "saiga-demo.gguf",
      adapter: null,
    };
    const messages = [
      { role: "system" as const, content: NAME_SYSTEM },
      { role: "user" as const, content: prompt },
    ];
    await feedback.record({
      ...base,
      kind: "up",
      messageId: 1,
      prompt: messages,
      answer: NAME_PHRASE,
      time: time++,
    });
    await feedback.record({
      ...base,
      kind: "down",
      messageId: 2,
      requestId: `req-${i}-b`,
      prompt: messages,
      answer: `Не знаю, ${i}… что-то совсем другое`,
      time: time++,
    });
  }
}
