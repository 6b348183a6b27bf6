// Sets up `ctx.saiga` for every update: who is asking, in which language, with which rights, and
// the chat's settings. Runs before everything else that reads them.
import type { Context, MiddlewareFn } from "grammy";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";
import { conversationOfContext } from "../conversation-id.js";
import { chooseLanguage, textsOf } from "../i18n/language.js";

export function saigaContext(services: BotServices): MiddlewareFn<SaigaContext> {
  const admins = new Set(services.config.telegram.adminIds.map(String));
  return async (ctx, next) => {
    // A forum topic is a conversation of its own: its own history and settings.
    const chatId = conversationOfContext(ctx);
    const userId = ctx.from ? String(ctx.from.id) : "";
    const settings = chatId ? await services.store.getSettings(chatId) : {};
    const language = chooseLanguage(settings.language, ctx.from?.language_code);
    (ctx as Context & Partial<SaigaContext>).saiga = {
      services,
      chatId,
      userId,
      language,
      t: textsOf(language),
      isAdmin: admins.has(userId),
      settings,
    };
    await next();
  };
}
