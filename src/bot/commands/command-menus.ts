// The command menus Telegram shows (setMyCommands): user commands in private chats, the group
// subset in groups, and everything for each admin, in Russian (default) and English, each with the
// builder's own commands (`MenuCommand`) added. A server that refuses the method is logged and the
// bot carries on.
import type { Api } from "grammy";
import type { BotCommand, BotCommandScope } from "grammy/types";
import { z } from "zod";
import { SaigaError } from "../../errors/saiga-error.js";
import type { Logger } from "../../log/index.js";
import { LANGUAGES, textsOf, type Language } from "../i18n/language.js";
import { STANDARD_COMMANDS, type StandardCommand } from "./standard-commands.js";

/**
 * A command of your own in the menus, next to the standard ones. Its handler is a plugin's
 * (`composer.command("dice", …)`); this only makes Telegram offer it.
 *
 * ```ts
 * const dice: MenuCommand = { command: "dice", description: { ru: "Бросить кубик", en: "Roll a die" } };
 * ```
 */
export interface MenuCommand {
  /** The command without the slash: 1–32 characters of a–z, 0–9 and `_` (Telegram's rule). */
  command: string;
  /** The menu text (1–256 characters): one for every language, or one per language. */
  description: string | Record<Language, string>;
  /**
   * Whose menus list it: `everyone` (private chats and groups), `private`, `groups`, or `admins`
   * (only the admins' own menu). Default: `everyone`.
   */
  scope?: "everyone" | "private" | "groups" | "admins";
}

const menuDescription = z.string().min(1).max(256);
const menuCommandSchema = z.object({
  command: z.string().regex(/^[a-z0-9_]{1,32}$/, "1–32 characters of a–z, 0–9 and _"),
  description: z.union([menuDescription, z.object({ ru: menuDescription, en: menuDescription })]),
  scope: z.enum(["everyone", "private", "groups", "admins"]).optional(),
});

/** Checks the builder's menu commands up front: Telegram would refuse a whole menu for one bad entry. */
export function checkMenuCommands(commands: readonly MenuCommand[]): void {
  for (const command of commands) {
    const checked = menuCommandSchema.safeParse(command);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new SaigaError(
        "MENU_COMMAND_INVALID",
        `menu command ${JSON.stringify(command.command)}: ${issue?.path.join(".") || "value"} ${issue?.message ?? "is invalid"}`,
      );
    }
  }
}

/** A menu: standard command names and the builder's entries (which replace standard ones of the same name). */
type Menu = { standard: readonly StandardCommand[]; extra: readonly MenuCommand[] };

function menuOf(language: Language, { standard, extra }: Menu): BotCommand[] {
  const descriptions = textsOf(language).commands;
  const own = new Set(extra.map((entry) => entry.command));
  return [
    ...standard
      .filter((command) => !own.has(command))
      .map((command) => ({ command, description: descriptions[command] })),
    ...extra.map(({ command, description }) => ({
      command,
      description: typeof description === "string" ? description : description[language],
    })),
  ];
}

const listedIn = (extra: readonly MenuCommand[], scopes: readonly string[]) =>
  extra.filter((entry) => scopes.includes(entry.scope ?? "everyone"));

/**
 * Registers the menus for everyone. Returns how many registrations failed (each is logged).
 * Admins get theirs from {@link registerAdminMenu} once they talk to the bot: Telegram refuses a
 * chat-scoped menu for a chat it has not seen ("chat not found").
 */
export async function registerCommandMenus(
  api: Api,
  log: Logger,
  extra: readonly MenuCommand[] = [],
): Promise<number> {
  return register(api, log, [
    [
      { type: "all_private_chats" },
      { standard: STANDARD_COMMANDS.private, extra: listedIn(extra, ["everyone", "private"]) },
    ],
    [
      { type: "all_group_chats" },
      { standard: STANDARD_COMMANDS.groups, extra: listedIn(extra, ["everyone", "groups"]) },
    ],
  ]);
}

/** The admin's own menu (every command) in their private chat with the bot. */
export async function registerAdminMenu(
  api: Api,
  adminId: number,
  log: Logger,
  extra: readonly MenuCommand[] = [],
): Promise<number> {
  const menu: Menu = {
    standard: [...STANDARD_COMMANDS.private, ...STANDARD_COMMANDS.admins],
    extra: listedIn(extra, ["everyone", "private", "admins"]),
  };
  return register(api, log, [[{ type: "chat", chat_id: adminId }, menu]]);
}

async function register(api: Api, log: Logger, menus: [BotCommandScope, Menu][]): Promise<number> {
  let failed = 0;
  for (const [scope, menu] of menus) {
    for (const language of LANGUAGES) {
      // Russian is the default menu (no language_code); English for users whose Telegram is in English.
      const other = language === "ru" ? { scope } : { scope, language_code: language };
      try {
        await api.setMyCommands(menuOf(language, menu), other);
      } catch (error) {
        failed++;
        log.warn({ err: error, scope: scope.type, language }, "could not register the command menu");
      }
    }
  }
  return failed;
}
