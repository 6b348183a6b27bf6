// Stickers, photos, voice messages, documents…: the model reads text only, so the user is told
// politely. In groups only when the message was for the bot (a reply to it), otherwise silence.
import { Composer } from "grammy";
import type { SaigaContext } from "../bot-context.js";

const MEDIA = [
  "sticker",
  "photo",
  "voice",
  "video",
  "video_note",
  "audio",
  "document",
  "animation",
  "location",
  "contact",
  "poll",
  "dice",
] as const;

export function nonTextMessages(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();
  composer.on("message", async (ctx) => {
    const message = ctx.message;
    if (!MEDIA.some((kind) => kind in message)) return;
    const forBot = ctx.chat.type === "private" || message.reply_to_message?.from?.id === ctx.me.id;
    if (!forBot) return;
    await ctx.reply(ctx.saiga.t.textOnly, {
      reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
    });
  });
  return composer;
}
