// The user's control over their data: /privacy shows what is kept and opts out of (or back into)
// training, /export sends it all as a JSON document, /forget deletes it after a confirmation.
// Each works on the sender's own data, in any chat: in a group /forget deletes only the sender's
// votes (the group's history is the group's), and /export answers only in a private chat.
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { requestIdOf } from "../../service/protocol/generate-job.js";
import { exportUserData, forgetUser, PrivacyChoices } from "../../store/index.js";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";

const FORGET_PREFIX = "fg:";
/** Job states in which a chat's answer is still coming. */
const RUNNING = ["waiting", "prioritized", "delayed", "active", "waiting-children"];

export function privacyCommands(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();

  composer.command("privacy", async (ctx) => {
    const { services, userId, t } = ctx.saiga;
    if (userId === "") return;
    const choices = new PrivacyChoices(services);
    const arg = ctx.match.trim().toLowerCase();
    if (arg === "off" || arg === "on") {
      await choices.set(userId, arg === "on");
      await ctx.reply(t.privacySet(arg === "on"));
      return;
    }
    if (arg !== "") {
      await ctx.reply(t.privacyUsage);
      return;
    }
    const data = await exportUserData(services.redis, services.keys, services.store, userId);
    const { history } = services.config;
    await ctx.reply(
      t.privacyShow({
        training: data.privacy?.training ?? true,
        historyTurns: data.history.length,
        generationRecords: data.generationRecords.length,
        feedback: data.feedback.length,
        historyDays: Math.round(history.idleTtlSeconds / 86_400),
        recordsDays: history.recordsTtlDays,
      }),
    );
  });

  composer.command("export", async (ctx) => {
    const { services, userId, t } = ctx.saiga;
    if (userId === "") return;
    if (ctx.chat.type !== "private") {
      await ctx.reply(t.exportPrivateOnly);
      return;
    }
    const data = await exportUserData(services.redis, services.keys, services.store, userId);
    const file = new InputFile(
      Buffer.from(JSON.stringify(data, null, 2) + "\n", "utf8"),
      `saiga-data-${userId}.json`,
    );
    await ctx.replyWithDocument(file, { caption: t.exportCaption });
  });

  composer.command("forget", async (ctx) => {
    const { userId, t } = ctx.saiga;
    if (userId === "") return;
    const group = ctx.chat.type !== "private";
    if (ctx.match.trim().toLowerCase() === "yes") {
      await forget(ctx.saiga.services, userId);
      await ctx.reply(t.forgetDone(group));
      return;
    }
    // The user id in the buttons: in a group only the one who asked may confirm.
    const keyboard = new InlineKeyboard()
      .text(t.forgetYes, `${FORGET_PREFIX}yes:${userId}`)
      .text(t.forgetNo, `${FORGET_PREFIX}no:${userId}`);
    await ctx.reply(t.forgetConfirm(group), { reply_markup: keyboard });
  });

  composer.callbackQuery(new RegExp(`^${FORGET_PREFIX}(yes|no):(\\d+)$`), async (ctx) => {
    const { services, userId, t } = ctx.saiga;
    const [, choice, owner] = ctx.match;
    if (owner !== userId) {
      await ctx.answerCallbackQuery({ text: t.forgetCancelled });
      return;
    }
    const group = ctx.chat?.type !== "private";
    if (choice === "yes") await forget(services, userId);
    await ctx.answerCallbackQuery();
    const text = choice === "yes" ? t.forgetDone(group) : t.forgetCancelled;
    await ctx
      .editMessageText(text)
      .catch((error: unknown) => services.log.debug({ err: error }, "forget prompt not edited"));
  });

  return composer;
}

/**
 * Stops the private chat's answers, removes its finished jobs (their ids, `chat_<id>_answer_<n>`,
 * are reused once the chat's numbering is gone, and BullMQ would take a new job with an old id
 * for a duplicate), then deletes the user's data in Redis.
 */
async function forget(services: BotServices, userId: string): Promise<void> {
  const { generation, deliveries, store, redis, keys, log } = services;
  const next = await store.nextAnswer(userId);
  for (let answer = 0; answer <= next; answer++) {
    const requestId = requestIdOf(userId, answer);
    if (RUNNING.includes(await generation.queue.getJobState(requestId))) await generation.cancel(requestId);
    for (const queue of [generation.queue, deliveries.queue]) {
      await queue
        .remove(requestId)
        .catch((error: unknown) => log.debug({ err: error, requestId }, "job kept"));
    }
  }
  const forgotten = await forgetUser(redis, keys, userId);
  log.info({ userId, ...forgotten }, "user data forgotten");
}
