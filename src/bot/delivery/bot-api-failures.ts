// Kinds of Bot API refusals the delivery reacts to. grammY's GrammyError carries Telegram's
// `error_code` and `description`; network failures are HttpError and are retried instead.
import { GrammyError } from "grammy";

/** "message is not modified": the edit would change nothing (harmless, but we avoid it). */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.description.includes("message is not modified");
}

/** Telegram could not parse the formatting (HTML) of a text. */
export function isParseFailure(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /can't parse entities/i.test(error.description)
  );
}

/** The server does not offer the method (an older Bot API server, a draft refused). */
export function isUnsupportedMethod(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    (error.error_code === 404 ||
      /method not found|not supported|unsupported|drafts can/i.test(error.description))
  );
}

/**
 * Trying again cannot help: the chat cannot receive messages (the user blocked the bot, the bot
 * left the group, the chat does not exist) or the request itself is wrong. Parse failures are
 * handled before this (plain-text fallback).
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof GrammyError && (error.error_code === 403 || error.error_code === 400);
}
