// The buttons under answers: 👍 / 👎 store a vote (one per user and message, changeable), 🔄
// rewrites the chat's last answer (the replaced one is kept as a weak negative), 🛑 stops an
// answer that is being written. Drafts have their own stop button, handled here too.
import { Composer } from "grammy";
import { requestIdOf } from "../../service/protocol/generate-job.js";
import type { FeedbackKind, FeedbackRecord } from "../../store/feedback-store.js";
import type { GenerationRecord } from "../../store/generation-record.js";
import { adapterChoiceFor } from "../adapter-choice-for.js";
import type { SaigaContext } from "../bot-context.js";
import { parseAnswerCallback } from "../delivery/answer-keyboard.js";
import { queueDelivery } from "./queue-delivery.js";

export function answerButtons(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();

  composer.on("callback_query:data", async (ctx, next) => {
    const press = parseAnswerCallback(ctx.callbackQuery.data);
    if (!press) return next();
    const { services, t, chatId, userId, isAdmin } = ctx.saiga;
    const { generation, records, feedback, store, log } = services;
    const message = ctx.callbackQuery.message;

    if (press.action === "stop") {
      await generation.cancel(press.requestId);
      await ctx.answerCallbackQuery({ text: t.stopping });
      return;
    }
    const record = await records.get(press.requestId);
    if (press.action === "up" || press.action === "down") {
      if (!record || !message) {
        await ctx.answerCallbackQuery({ text: t.voteExpired });
        return;
      }
      await feedback.record(feedbackOn(record, press.action, message.message_id, userId));
      await ctx.answerCallbackQuery({ text: t.voteThanks });
      return;
    }

    // 🔄: only the chat's last answer can be replaced (older ones have later turns after them).
    const lastAnswer = (await store.history(chatId)).findLast((turn) => turn.role === "assistant");
    if (lastAnswer?.requestId !== press.requestId) {
      await ctx.answerCallbackQuery({ text: t.regenerateOnlyLast });
      return;
    }
    const regenerated = await generation.regenerate(chatId, {
      userId,
      admin: isAdmin,
      adapter: await adapterChoiceFor(ctx),
    });
    if (!regenerated) {
      await ctx.answerCallbackQuery({ text: t.regenerateOnlyLast });
      return;
    }
    if (record) await feedback.record(feedbackOn(record, "regenerated", null, userId));
    // The new answer goes where the old one was (a group: replying to it, in its topic).
    await queueDelivery(ctx, regenerated, message);
    await ctx.answerCallbackQuery({ text: t.regenerating });
    // The replaced answer keeps its text; its buttons would act on an answer that is gone.
    if (message) {
      await ctx.api
        .editMessageReplyMarkup(message.chat.id, message.message_id, {
          reply_markup: { inline_keyboard: [] },
        })
        .catch((error: unknown) => log.debug({ err: error }, "could not remove the old answer's buttons"));
    }
  });

  // The stop button of a streamed draft (sendMessageDraft with can_stop). Draft ids are answer + 1.
  composer.use(async (ctx, next) => {
    const stopped = (
      ctx.update as { stopped_message_generation?: { chat: { id: number }; draft_id: number } }
    ).stopped_message_generation;
    if (!stopped) return next();
    await ctx.saiga.services.generation.cancel(requestIdOf(String(stopped.chat.id), stopped.draft_id - 1));
  });
  return composer;
}

/** A feedback record about one generation: a copy of what the model saw and said, and who judged it. */
function feedbackOn(
  record: GenerationRecord,
  kind: FeedbackKind,
  messageId: number | null,
  userId: string,
): FeedbackRecord {
  const { chatId, requestId, prompt, answer, model, adapter } = record;
  return { kind, chatId, messageId, requestId, userId, prompt, answer, model, adapter, time: Date.now() };
}
