// The grammY context of saiga-bot: grammY's own plus `ctx.saiga`, set up once per update by
// the context middleware (language, texts, admin rights, the chat's settings).
import type { Context } from "grammy";
import type { ChatSettings } from "../store/chat-settings.js";
import type { BotServices } from "./bot-services.js";
import type { Language } from "./i18n/language.js";
import type { Texts } from "./i18n/texts.js";

/** What the context middleware adds. */
export interface SaigaFlavor {
  saiga: {
    services: BotServices;
    /** Conversation id as the store keys it: the chat's, or `<chat>_t<topic>` (see conversation-id.ts). */
    chatId: string;
    /** The sender's user id as text; empty for updates without a sender. */
    userId: string;
    language: Language;
    t: Texts;
    /** The sender is in `telegram.adminIds`. */
    isAdmin: boolean;
    settings: ChatSettings;
  };
}

export type SaigaContext = Context & SaigaFlavor;
