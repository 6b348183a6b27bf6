// The command menus Telegram shows (setMyCommands): user commands in private chats, the group
// subset in groups, and everything for each admin, in Russian (default) and English. A server
// that refuses the method is logged and the bot carries on.
import type { Api } from "grammy";
import type { BotCommand, BotCommandScope } from "grammy/types";
import type { Logger } from "../../log/index.js";
import { textsOf, type Language } from "../i18n/language.js";
import type { Texts } from "../i18n/texts.js";
import { ADMIN_COMMANDS } from "./admin-commands.js";

const PRIVATE_COMMANDS = ["start", "help", "reset", "system", "params", "stop", "lang"] as const;
const GROUP_COMMANDS = ["help", "reset", "system", "params", "stop", "lang"] as const;

type CommandName = keyof Texts["commands"];

function menu(language: Language, names: readonly CommandName[]): BotCommand[] {
  const descriptions = textsOf(language).commands;
  return names.map((command) => ({ command, description: descriptions[command] }));
}

/**
 * Registers the menus for everyone. Returns how many registrations failed (each is logged).
 * Admins get theirs from {@link registerAdminMenu} once they talk to the bot: Telegram refuses a
 * chat-scoped menu for a chat it has not seen ("chat not found").
 */
export async function registerCommandMenus(api: Api, log: Logger): Promise<number> {
  return register(api, log, [
    [{ type: "all_private_chats" }, PRIVATE_COMMANDS],
    [{ type: "all_group_chats" }, GROUP_COMMANDS],
  ]);
}

/** The admin's own menu (every command) in their private chat with the bot. */
export async function registerAdminMenu(api: Api, adminId: number, log: Logger): Promise<number> {
  return register(api, log, [[{ type: "chat", chat_id: adminId }, [...PRIVATE_COMMANDS, ...ADMIN_COMMANDS]]]);
}

async function register(
  api: Api,
  log: Logger,
  menus: [BotCommandScope, readonly CommandName[]][],
): Promise<number> {
  let failed = 0;
  for (const [scope, names] of menus) {
    for (const language of ["ru", "en"] as const) {
      // Russian is the default menu (no language_code); English for users whose Telegram is in English.
      const other = language === "ru" ? { scope } : { scope, language_code: "en" as const };
      try {
        await api.setMyCommands(menu(language, names), other);
      } catch (error) {
        failed++;
        log.warn({ err: error, scope: scope.type, language }, "could not register the command menu");
      }
    }
  }
  return failed;
}
