// /model: which weights answer in this chat — the base model, the active adapter, or a candidate
// version — as an inline menu. The choice is a chat setting (it sticks, and wins over an A/B
// experiment); "default" clears it. In groups only the group's admins (and the bot's) change it.
import { Composer } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { AdapterManifest } from "../../store/adapter-manifest.js";
import type { SaigaContext } from "../bot-context.js";
import { checkMayChangeSettings } from "./may-change-settings.js";

const MODEL_PREFIX = "md:";
/** Candidates offered, newest first. */
const MAX_CANDIDATES = 3;

export function modelChoiceCommands(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();

  composer.command("model", async (ctx) => {
    const servable = await servableOf(ctx);
    await ctx.reply(modelText(ctx, servable), { reply_markup: modelKeyboard(ctx, servable) });
  });

  composer.callbackQuery(new RegExp(`^${MODEL_PREFIX}`), async (ctx) => {
    if (!(await checkMayChangeSettings(ctx))) {
      await ctx.answerCallbackQuery();
      return;
    }
    const { services, chatId, t } = ctx.saiga;
    const chosen = ctx.callbackQuery.data.slice(MODEL_PREFIX.length);
    const servable = await servableOf(ctx);
    if (chosen !== "default" && chosen !== "base" && chosen !== "active") {
      if (!servable.candidates.some((manifest) => manifest.version === chosen)) {
        await ctx.answerCallbackQuery({ text: t.modelUnavailable(chosen), show_alert: true });
        return;
      }
    }
    ctx.saiga.settings = await services.store.updateSettings(chatId, {
      model: chosen === "default" ? null : chosen,
    });
    services.log.info({ chatId, userId: ctx.saiga.userId, model: chosen }, "chat model chosen");
    await ctx.answerCallbackQuery({ text: t.modelSaved });
    await ctx
      .editMessageText(modelText(ctx, servable), { reply_markup: modelKeyboard(ctx, servable) })
      .catch((error: unknown) => services.log.debug({ err: error }, "model menu unchanged"));
  });
  return composer;
}

/** What can answer now: the active version (null: the bare model) and the newest candidates. */
interface Servable {
  active: string | null;
  candidates: AdapterManifest[];
}

async function servableOf(ctx: SaigaContext): Promise<Servable> {
  const list = await ctx.saiga.services.registry.list();
  const active = list.find((manifest) => manifest.status === "active")?.version ?? null;
  const candidates = list
    .filter((manifest) => manifest.status === "candidate")
    .slice(-MAX_CANDIDATES)
    .reverse();
  return { active, candidates };
}

function labelOf(ctx: SaigaContext, choice: string, servable: Servable): string {
  const { t } = ctx.saiga;
  if (choice === "base") return t.modelBase;
  if (choice === "active") return t.modelActive(servable.active);
  return t.modelCandidate(choice);
}

function modelText(ctx: SaigaContext, servable: Servable): string {
  const model = ctx.saiga.settings.model;
  return ctx.saiga.t.modelShow(labelOf(ctx, model ?? "active", servable), model !== undefined);
}

function modelKeyboard(ctx: SaigaContext, servable: Servable): InlineKeyboardMarkup {
  const current = ctx.saiga.settings.model ?? "default";
  const choices = ["base", "active", ...servable.candidates.map((manifest) => manifest.version)];
  const button = (choice: string, text: string) => [
    { text: current === choice ? `✓ ${text}` : text, callback_data: `${MODEL_PREFIX}${choice}` },
  ];
  return {
    inline_keyboard: [
      ...choices.map((choice) => button(choice, labelOf(ctx, choice, servable))),
      button("default", ctx.saiga.t.modelDefault),
    ],
  };
}
