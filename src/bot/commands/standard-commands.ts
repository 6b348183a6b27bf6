// The standard commands in each command menu. Their own module, so that the admin commands (which
// register an admin's menu) and the menus (which list the admin commands) both import it and not
// each other.
import type { Texts } from "../i18n/texts.js";

/** A standard command: one with a menu description in every language's texts. */
export type StandardCommand = keyof Texts["commands"];

/** Which standard commands each menu lists, in menu order. */
export const STANDARD_COMMANDS = {
  /** Private chats (everyone). */
  private: [
    "start",
    "help",
    "reset",
    "system",
    "params",
    "stop",
    "lang",
    "model",
    "privacy",
    "export",
    "forget",
  ],
  /** Groups: no /start, which only greets. */
  groups: ["help", "reset", "system", "params", "stop", "lang", "model", "privacy", "forget"],
  /** Only for `telegram.adminIds`; they see these after the private ones. */
  admins: [
    "stats",
    "ban",
    "unban",
    "quota",
    "train",
    "adapters",
    "activate",
    "rollback",
    "allow",
    "deny",
    "invite",
    "ab",
  ],
} as const satisfies Record<string, readonly StandardCommand[]>;
