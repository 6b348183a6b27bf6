// Who may change a chat's settings (/system, /params, /lang, /reset): anyone in a private chat
// (it is theirs); in a group its admins (asked through getChatMember, cached a minute) and the
// bot's admins.
import type { SaigaContext } from "../bot-context.js";

const CACHE_MS = 60_000;
const groupAdmins = new Map<string, { admin: boolean; until: number }>();

export async function mayChangeSettings(ctx: SaigaContext): Promise<boolean> {
  if (ctx.chat?.type === "private" || ctx.saiga.isAdmin) return true;
  if (!ctx.chat || !ctx.from) return false;
  const key = `${ctx.chat.id}:${ctx.from.id}`;
  const cached = groupAdmins.get(key);
  if (cached && cached.until > Date.now()) return cached.admin;
  let admin = false;
  try {
    const member = await ctx.api.getChatMember(ctx.chat.id, ctx.from.id);
    admin = member.status === "creator" || member.status === "administrator";
  } catch (error) {
    ctx.saiga.services.log.warn(
      { err: error, chatId: ctx.chat.id },
      "getChatMember failed; treating as not an admin",
    );
  }
  groupAdmins.set(key, { admin, until: Date.now() + CACHE_MS });
  return admin;
}

/** Replies with the refusal and returns false when the sender may not change the chat's settings. */
export async function checkMayChangeSettings(ctx: SaigaContext): Promise<boolean> {
  if (await mayChangeSettings(ctx)) return true;
  await ctx.reply(ctx.saiga.t.groupAdminsOnly);
  return false;
}
