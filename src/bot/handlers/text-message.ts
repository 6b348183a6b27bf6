// Text messages: the questions. In private chats every message is answered; in groups only the
// ones addressed to the bot (the others can be kept as context). Each passes the length, rate
// and quota checks, is appended and enqueued idempotently (its message id is the receipt), and
// gets a delivery that streams the answer back.
import { Composer } from "grammy";
import { nextUtcMidnight } from "../../store/user-limits.js";
import { adapterChoiceFor } from "../adapter-choice-for.js";
import type { SaigaContext } from "../bot-context.js";
import { addressedText } from "./addressed-text.js";
import { quotedContext, senderName } from "./quoted-context.js";
import { queueDelivery } from "./queue-delivery.js";

export function textMessages(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();
  composer.on("message:text", async (ctx) => {
    const { services, t, chatId, userId, isAdmin } = ctx.saiga;
    const { config, generation, limits, redis, keys } = services;
    const message = ctx.message;
    const group = ctx.chat.type !== "private";
    const text = group ? addressedText(message, ctx.me, config.telegram.names) : message.text;
    const author = senderName(message);
    const enqueueOptions = {
      userId,
      userName: author,
      admin: isAdmin,
      receipt: String(message.message_id),
      receiptTtlSeconds: config.limits.dedupeTtlSeconds,
    };
    if (text === null) {
      if (config.telegram.groupContext && message.text.trim() !== "") {
        await generation.enqueue(chatId, {
          ...enqueueOptions,
          text: `${author}: ${message.text}`,
          contextOnly: true,
        });
      }
      return;
    }
    const reply = (answer: string) =>
      ctx.reply(answer, {
        reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
      });

    if (text.length > config.limits.maxMessageLength) {
      await reply(t.tooLong(text.length, config.limits.maxMessageLength));
      return;
    }
    if (!isAdmin) {
      const rate = await limits.hitMessage(userId);
      if (!rate.allowed) {
        await reply(t.rateLimited(rate.retryAfterSeconds));
        return;
      }
      const quota = await limits.quota(userId);
      if (quota.exceeded) {
        const minutes = Math.ceil((nextUtcMidnight() - Date.now()) / 60_000);
        await reply(t.quotaExceeded(quota.used, quota.limit, minutes));
        return;
      }
    }
    // What the user replies to or quotes comes first, marked; the length limit was for their own text.
    const quoted = await quotedContext(message, {
      me: ctx.me,
      maxChars: config.telegram.quoteMaxChars,
      history: () => services.store.history(chatId),
    });
    // In a group several people talk: the model needs to know who said what.
    const enqueued = await generation.enqueue(chatId, {
      ...enqueueOptions,
      text: quoted + (group ? `${author}: ${text}` : text),
      adapter: await adapterChoiceFor(ctx),
    });
    await redis.zadd(keys.chats(), Date.now(), chatId);
    await queueDelivery(ctx, enqueued, message);
  });
  return composer;
}
