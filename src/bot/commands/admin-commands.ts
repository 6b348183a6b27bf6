// Commands for the bot's admins (telegram.adminIds): /stats, /ban, /unban, /quota, and the
// training commands, which answer "not available yet" until adapters can be trained. Anyone
// else gets a refusal and nothing happens.
import { Composer } from "grammy";
import { generateResultSchema } from "../../service/protocol/stream-entry.js";
import type { SaigaContext } from "../bot-context.js";
import type { StatsView } from "../i18n/texts.js";
import { AdapterRegistryError } from "../../training/adapter-registry.js";
import { describeAdapter } from "../../training/describe-adapter.js";
import { registerAdminMenu, type MenuCommand } from "./command-menus.js";
import { STANDARD_COMMANDS } from "./standard-commands.js";

/** Whom /ban and /quota act on: a numeric Telegram user id, or an API key's caller (`api:<name>`). */
const LIMITED_ID = /^(\d+|api:[\w.-]+)$/;

/** The admin commands; `menuCommands` are the builder's, added to each admin's menu. */
export function adminCommands(menuCommands: readonly MenuCommand[] = []): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();
  // An admin's full command menu, once per process, when they first write in private.
  const menus = new Set<number>();
  composer.chatType("private").use(async (ctx, next) => {
    if (ctx.saiga.isAdmin && !menus.has(ctx.from.id)) {
      menus.add(ctx.from.id);
      await registerAdminMenu(ctx.api, ctx.from.id, ctx.saiga.services.log, menuCommands);
    }
    await next();
  });
  composer.command([...STANDARD_COMMANDS.admins], async (ctx, next) => {
    if (ctx.saiga.isAdmin) return next();
    ctx.saiga.services.log.info(
      { userId: ctx.saiga.userId, command: ctx.message?.text },
      "refused an admin command",
    );
    await ctx.reply(ctx.saiga.t.notAdmin);
  });

  composer.command("stats", async (ctx) => ctx.reply(ctx.saiga.t.stats(await collectStats(ctx))));

  composer.command(["ban", "unban"], async (ctx) => {
    const { services, t } = ctx.saiga;
    const userId = ctx.match.trim();
    if (!LIMITED_ID.test(userId)) {
      await ctx.reply(t.banUsage);
      return;
    }
    if (ctx.message?.text.startsWith("/unban")) {
      await ctx.reply(t.unbanned(userId, await services.limits.unban(userId)));
    } else {
      await ctx.reply(t.banned(userId, !(await services.limits.ban(userId))));
    }
  });

  composer.command("quota", async (ctx) => {
    const { services, t } = ctx.saiga;
    const match = /^(\S+)\s+(\d+)$/.exec(ctx.match.trim());
    if (!match || !LIMITED_ID.test(match[1] as string)) {
      await ctx.reply(t.quotaUsage);
      return;
    }
    const [, userId, tokens] = match as unknown as [string, string, string];
    await services.limits.setDailyTokens(userId, Number(tokens));
    await ctx.reply(t.quotaSet(userId, Number(tokens)));
  });

  composer.command("train", async (ctx) => {
    const jobId = await ctx.saiga.services.training.trainNow(`admin:${ctx.saiga.userId}`);
    await ctx.reply(ctx.saiga.t.trainingQueued(jobId));
  });

  composer.command("adapters", async (ctx) => {
    const { registry } = ctx.saiga.services;
    const list = (await registry.list()).slice(-10);
    await ctx.reply(list.length === 0 ? ctx.saiga.t.noAdapters : list.map(describeAdapter).join("\n"));
  });

  composer.command("activate", async (ctx) => {
    const version = ctx.match.trim();
    if (version === "") {
      await ctx.reply(ctx.saiga.t.activateUsage);
      return;
    }
    await replyRegistryError(ctx, async () => {
      await ctx.saiga.services.registry.activate(version);
      await ctx.reply(ctx.saiga.t.adapterActive(version));
    });
  });

  composer.command("rollback", async (ctx) => {
    const now = await ctx.saiga.services.registry.rollback();
    await ctx.reply(now === undefined ? ctx.saiga.t.nothingToRollBack : ctx.saiga.t.adapterActive(now));
  });
  return composer;
}

/** Registry refusals (unknown or rejected version) are the admin's answer, not a crash. */
async function replyRegistryError(ctx: SaigaContext, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof AdapterRegistryError)) throw error;
    await ctx.reply(error.message);
  }
}

/** Queue depth, speed, model and adapter from the newest finished jobs; chats and feedback from Redis. */
async function collectStats(ctx: SaigaContext): Promise<StatsView> {
  const { generation, feedback, redis, keys, registry } = ctx.saiga.services;
  const [counts, recent, chats, votes, adapter] = await Promise.all([
    generation.jobCounts("waiting", "prioritized", "delayed", "active"),
    generation.queue.getCompleted(0, 19),
    redis.zcard(keys.chats()),
    feedback.counts(),
    registry.active(),
  ]);
  const finished = recent.flatMap((job) => {
    const result = generateResultSchema.safeParse(job.returnvalue);
    return result.success && result.data.stats && result.data.stats.tokensPerSecond > 0 ? [result.data] : [];
  });
  const speeds = finished.map((result) => result.stats?.tokensPerSecond ?? 0);
  return {
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    tokensPerSecond: speeds.length === 0 ? null : speeds.reduce((a, b) => a + b, 0) / speeds.length,
    chats,
    votesUp: votes.up,
    votesDown: votes.down,
    regenerated: votes.regenerated,
    model: finished[0]?.model ?? null,
    adapter,
  };
}
