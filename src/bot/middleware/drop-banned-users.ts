// Banned users get nothing: no answer, no refusal, no button reactions.
import type { NextFunction } from "grammy";
import type { SaigaContext } from "../bot-context.js";

export async function dropBannedUsers(ctx: SaigaContext, next: NextFunction): Promise<void> {
  const { userId, services } = ctx.saiga;
  if (userId && (await services.limits.isBanned(userId))) {
    services.log.debug({ userId }, "ignoring a banned user");
    return;
  }
  await next();
}
