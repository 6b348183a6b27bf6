// Commands for everyone: /start, /help, /reset, /system, /params (an inline menu), /stop, /lang.
// grammY matches them with and without @botname, and ignores commands meant for other bots.
import { Composer } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { requestIdOf } from "../../service/protocol/generate-job.js";
import { MAX_SYSTEM_PROMPT_LENGTH } from "../../store/chat-settings.js";
import type { SaigaContext } from "../bot-context.js";
import { LANGUAGES, isLanguage, textsOf } from "../i18n/language.js";
import type { Texts } from "../i18n/texts.js";
import { checkMayChangeSettings } from "./may-change-settings.js";

/** The /params menu: the values offered for each setting. */
const PARAM_CHOICES = {
  temperature: [0, 0.3, 0.5, 0.7, 1],
  topP: [0.5, 0.8, 0.9, 0.95, 1],
  maxTokens: [128, 256, 512, 1024],
} as const;
type ParamName = keyof typeof PARAM_CHOICES;
const PARAM_PREFIX = "pm:";

export function userCommands(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();

  composer.command("start", (ctx) => ctx.reply(ctx.saiga.t.start));
  composer.command("help", (ctx) => ctx.reply(ctx.saiga.t.help(ctx.saiga.isAdmin)));

  composer.command("reset", async (ctx) => {
    if (!(await checkMayChangeSettings(ctx))) return;
    const { services, chatId, t } = ctx.saiga;
    await stopAnswers(ctx);
    await services.store.clear(chatId);
    await ctx.reply(t.resetDone);
  });

  composer.command("system", async (ctx) => {
    const { services, chatId, t, settings } = ctx.saiga;
    const text = ctx.match.trim();
    if (text === "") {
      const own = settings.systemPrompt !== undefined;
      await ctx.reply(t.systemShow(settings.systemPrompt ?? services.config.model.systemPrompt, own));
      return;
    }
    if (!(await checkMayChangeSettings(ctx))) return;
    if (text.length > MAX_SYSTEM_PROMPT_LENGTH) {
      await ctx.reply(t.systemTooLong(MAX_SYSTEM_PROMPT_LENGTH));
      return;
    }
    const reset = text.toLowerCase() === "reset";
    await services.store.updateSettings(chatId, { systemPrompt: reset ? null : text });
    await ctx.reply(reset ? t.systemReset : t.systemSet);
  });

  composer.command("params", async (ctx) => {
    if (!(await checkMayChangeSettings(ctx))) return;
    await ctx.reply(paramsText(ctx), { reply_markup: paramsKeyboard(ctx) });
  });

  composer.callbackQuery(new RegExp(`^${PARAM_PREFIX}`), async (ctx) => {
    if (!(await checkMayChangeSettings(ctx))) return;
    const { services, chatId, t } = ctx.saiga;
    const [name, value] = ctx.callbackQuery.data.slice(PARAM_PREFIX.length).split("=");
    if (name === "reset") {
      await services.store.updateSettings(chatId, { temperature: null, topP: null, maxTokens: null });
    } else if (name && name in PARAM_CHOICES && value !== undefined) {
      await services.store.updateSettings(chatId, { [name]: Number(value) });
    }
    ctx.saiga.settings = await services.store.getSettings(chatId);
    await ctx.answerCallbackQuery({ text: t.paramsSaved });
    await ctx
      .editMessageText(paramsText(ctx), { reply_markup: paramsKeyboard(ctx) })
      .catch((error: unknown) => services.log.debug({ err: error }, "params menu unchanged"));
  });

  composer.command("stop", async (ctx) => {
    const stopped = await stopAnswers(ctx);
    await ctx.reply(stopped ? ctx.saiga.t.stopDone : ctx.saiga.t.stopNothing);
  });

  composer.command("lang", async (ctx) => {
    const { services, chatId, language } = ctx.saiga;
    const chosen = ctx.match.trim().toLowerCase();
    if (!isLanguage(chosen)) {
      await ctx.reply(ctx.saiga.t.langShow(`${language} (${LANGUAGES.join(", ")})`));
      return;
    }
    if (!(await checkMayChangeSettings(ctx))) return;
    await services.store.updateSettings(chatId, { language: chosen });
    await ctx.reply(textsOf(chosen).langSet);
  });

  return composer;
}

/** Cancels the chat's running answer and the one queued after it. True when one was running or queued. */
async function stopAnswers(ctx: SaigaContext): Promise<boolean> {
  const { services, chatId } = ctx.saiga;
  const next = await services.store.nextAnswer(chatId);
  let stopped = false;
  for (const answer of [next - 1, next]) {
    if (answer < 0) continue;
    const requestId = requestIdOf(chatId, answer);
    const state = await services.generation.queue.getJobState(requestId);
    if (["waiting", "prioritized", "delayed", "active"].includes(state)) {
      await services.generation.cancel(requestId);
      stopped = true;
    }
  }
  return stopped;
}

function currentParams(ctx: SaigaContext): Record<ParamName, number> {
  const { settings, services } = ctx.saiga;
  const defaults = services.config.generation;
  return {
    temperature: settings.temperature ?? defaults.temperature,
    topP: settings.topP ?? defaults.topP,
    maxTokens: settings.maxTokens ?? defaults.maxTokens,
  };
}

function paramsText(ctx: SaigaContext): string {
  return ctx.saiga.t.paramsTitle(currentParams(ctx));
}

function paramsKeyboard(ctx: SaigaContext): InlineKeyboardMarkup {
  const current = currentParams(ctx);
  const t: Texts = ctx.saiga.t;
  const labels: Record<ParamName, string> = { temperature: "🌡", topP: "top-p", maxTokens: "📏" };
  const rows = (Object.keys(PARAM_CHOICES) as ParamName[]).map((name) => [
    { text: labels[name], callback_data: `${PARAM_PREFIX}noop` },
    ...PARAM_CHOICES[name].map((value) => ({
      text: current[name] === value ? `✓${value}` : String(value),
      callback_data: `${PARAM_PREFIX}${name}=${value}`,
    })),
  ]);
  return { inline_keyboard: [...rows, [{ text: t.paramsReset, callback_data: `${PARAM_PREFIX}reset` }]] };
}
