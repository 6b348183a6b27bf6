// Admin commands of the access policy (`access.*`): /allow ID and /deny ID change the allowlist
// (a user id, or a negative group id), /invite makes a one-time code with its t.me deep link.
// Anyone else gets the admins' refusal.
import { Composer } from "grammy";
import { AccessList } from "../../store/access-list.js";
import { InviteCodes } from "../../store/invite-codes.js";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";

/** A Telegram user id, or a group id (negative). */
const ACCESS_ID = /^-?\d+$/;

/** /allow, /deny and /invite. */
export function accessCommands(services: BotServices): Composer<SaigaContext> {
  const { config, redis, keys } = services;
  const list = AccessList.fromConfig(config, redis, keys);
  const invites = InviteCodes.fromConfig(config, redis, keys);
  const composer = new Composer<SaigaContext>();
  const admin = composer.filter((ctx) => ctx.saiga.isAdmin);
  // adminCommands refuses these first when it runs before; this keeps the composer safe alone.
  composer.command(["allow", "deny", "invite"], async (ctx, next) => {
    if (ctx.saiga.isAdmin) return next();
    await ctx.reply(ctx.saiga.t.notAdmin);
  });

  admin.command(["allow", "deny"], async (ctx) => {
    const { t } = ctx.saiga;
    const id = ctx.match.trim();
    if (!ACCESS_ID.test(id) || id === "0" || id === "-0") {
      await ctx.reply(t.allowUsage);
      return;
    }
    const allowing = ctx.message?.text.startsWith("/allow") ?? false;
    services.log.info({ adminId: ctx.saiga.userId, id, allowing }, "changed the access list");
    if (allowing) await ctx.reply(t.accessAllowed(id, !(await list.allow(id))));
    else await ctx.reply(t.accessDenied(id, await list.deny(id)));
  });

  admin.command("invite", async (ctx) => {
    const { t } = ctx.saiga;
    if (config.access.policy !== "pairing") {
      await ctx.reply(t.inviteNeedsPairing(config.access.policy));
      return;
    }
    const invite = await invites.create(ctx.saiga.userId);
    const link = `https://t.me/${ctx.me.username}?start=${invite.code}`;
    const expiresAt = new Date(invite.expiresAt).toISOString().slice(0, 16).replace("T", " ");
    await ctx.reply(t.inviteCreated(invite.code, link, expiresAt), {
      link_preview_options: { is_disabled: true },
    });
  });
  return composer;
}
