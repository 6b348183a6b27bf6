// Who may talk to the bot (`access.policy`). `open` lets everyone through. Under `allowlist` and
// `pairing` only admins, allowed users and allowed groups get further: a refused private user gets
// one short explanation per `access.refusalNoticeSeconds` and nothing else; a group that is not
// allowed hears one polite line and the bot leaves it. Under `pairing`, `/start CODE` with a valid
// invite admits the user.
import type { Chat } from "grammy/types";
import type { MiddlewareFn } from "grammy";
import { AccessList } from "../../store/access-list.js";
import { InviteCodes } from "../../store/invite-codes.js";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";

/** `/start CODE`: a deep link's payload or a typed code. */
const START_WITH_CODE = /^\/start(?:@\w+)?\s+(\S+)\s*$/;

/** The access check, right after the ban check. */
export function accessPolicy(services: BotServices): MiddlewareFn<SaigaContext> {
  const { config, redis, keys } = services;
  const policy = config.access.policy;
  const list = AccessList.fromConfig(config, redis, keys);
  const invites = InviteCodes.fromConfig(config, redis, keys);

  return async (ctx, next) => {
    if (policy === "open") return next();
    const chat = ctx.chat;
    if (ctx.saiga.isAdmin) {
      // An admin who adds the bot to a group allows that group.
      if (chat !== undefined && chat.type !== "private" && joinedNow(ctx)) {
        await list.allow(String(chat.id));
        services.log.info(
          { chatId: chat.id, adminId: ctx.saiga.userId },
          "an admin added the bot to a group",
        );
      }
      return next();
    }
    if (chat !== undefined && (chat.type === "group" || chat.type === "supergroup")) {
      if (await list.isAllowed(String(chat.id))) return next();
      await leaveGroup(ctx, chat);
      return;
    }
    if (chat !== undefined && chat.type !== "private") return; // channels: not served under a policy
    const userId = ctx.saiga.userId;
    if (userId === "") return;
    if (await list.isAllowed(userId)) return next();
    const code = policy === "pairing" ? START_WITH_CODE.exec(ctx.message?.text ?? "")?.[1] : undefined;
    if (code !== undefined) {
      const invite = await invites.claim(code);
      if (invite === undefined) {
        services.log.info({ userId }, "refused a used, expired or unknown invite code");
        await ctx.reply(ctx.saiga.t.inviteInvalid);
        return;
      }
      await list.allow(userId);
      services.log.info({ userId, invitedBy: invite.createdBy }, "admitted a user with an invite code");
      await ctx.reply(ctx.saiga.t.inviteAccepted);
      return;
    }
    // Only messages earn the explanation: a button press or a block/unblock gets silence.
    if (ctx.message === undefined || !(await list.claimRefusalNotice(userId))) return;
    services.log.info({ userId, policy }, "refused a user who is not allowed");
    await ctx.reply(ctx.saiga.t.accessRefused(userId, policy === "pairing"));
  };
}

/**
 * Says why and leaves, when the bot is added to a group that is not allowed or someone writes in
 * one. Other updates there (the bot leaving, buttons) get nothing.
 */
async function leaveGroup(ctx: SaigaContext, chat: Chat.GroupChat | Chat.SupergroupChat): Promise<void> {
  if (!joinedNow(ctx) && ctx.message === undefined) return;
  ctx.saiga.services.log.info({ chatId: chat.id }, "leaving a group that is not allowed");
  await ctx.api.sendMessage(chat.id, ctx.saiga.t.groupNotAllowed(String(chat.id)));
  await ctx.api.leaveChat(chat.id);
}

/** The update is the bot becoming a member (or admin) of the chat. */
function joinedNow(ctx: SaigaContext): boolean {
  const status = ctx.myChatMember?.new_chat_member.status;
  return status === "member" || status === "administrator";
}
