// The methods that read or configure rather than write: getMe, getChat, members, commands, callback answers, files.
import type { BotCommand, BotCommandScope, ChatFullInfo, File } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import { chatMemberOf } from "./chat-member-of.js";
import type { MethodHandler } from "./method-handler.js";
import type { RequestParams } from "./request-params.js";

const SCOPE_TYPES = new Set([
  "default",
  "all_private_chats",
  "all_group_chats",
  "all_chat_administrators",
  "chat",
  "chat_administrators",
  "chat_member",
]);

const ALL_GIFTS = {
  unlimited_gifts: true,
  limited_gifts: true,
  unique_gifts: true,
  premium_subscription: true,
  gifts_from_channels: true,
};

/** The key of the command list that `scope` and `language_code` name. */
function commandsKey(params: RequestParams, state: Parameters<MethodHandler>[1]["state"]): string {
  const scope = params.json<BotCommandScope>("scope") ?? { type: "default" };
  if (!SCOPE_TYPES.has(scope.type)) throw BotApiError.badRequest("unsupported bot command scope type");
  const needsChat =
    scope.type === "chat" || scope.type === "chat_administrators" || scope.type === "chat_member";
  if (needsChat && !("chat_id" in scope)) throw BotApiError.badRequest("chat_id is empty");
  if (scope.type === "chat_member" && !Number.isSafeInteger(scope.user_id)) {
    throw BotApiError.badRequest("user_id is empty");
  }
  const languageCode = params.optionalString("language_code") ?? "";
  if (!/^([a-z]{2})?$/.test(languageCode)) throw BotApiError.badRequest("invalid language code specified");
  return state.commandsKey(scope, languageCode);
}

const getMe: MethodHandler = (_params, { state }) => state.bot;

const getChat: MethodHandler = (params, { state }) => {
  const chat = state.chat(params.chatId()).chat;
  return {
    ...chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: ALL_GIFTS,
  } as ChatFullInfo;
};

const getChatMember: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  return state.member(record, params.int("user_id"));
};

const getChatAdministrators: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  return [...record.members.values()].filter((m) => m.status === "creator" || m.status === "administrator");
};

/** The bot leaves a group: it is no longer a member there (see `BotApiEmulator.calls("leaveChat")`). */
const leaveChat: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  if (record.chat.type === "private")
    throw BotApiError.badRequest("chat member status can't be changed in private chats");
  record.members.set(state.bot.id, chatMemberOf(state.bot, "left"));
  return true;
};

const setMyCommands: MethodHandler = (params, { state }) => {
  const commands = params.json<BotCommand[]>("commands");
  if (!Array.isArray(commands)) throw BotApiError.badRequest("can't parse commands JSON object");
  if (commands.length > 100) throw BotApiError.badRequest("too many commands specified");
  for (const entry of commands) {
    const command = typeof entry?.command === "string" ? entry.command.replace(/^\//, "") : "";
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw BotApiError.badRequest("BOT_COMMAND_INVALID");
    const description = typeof entry.description === "string" ? entry.description : "";
    if (description.trim() === "" || description.length > 256) {
      throw BotApiError.badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
  }
  const key = commandsKey(params, state);
  if (commands.length === 0) state.commands.delete(key);
  else
    state.commands.set(
      key,
      commands.map((c) => ({ command: c.command.replace(/^\//, ""), description: c.description })),
    );
  return true;
};

const getMyCommands: MethodHandler = (params, { state }) =>
  state.commands.get(commandsKey(params, state)) ?? [];

const deleteMyCommands: MethodHandler = (params, { state }) => {
  state.commands.delete(commandsKey(params, state));
  return true;
};

const answerCallbackQuery: MethodHandler = (params, { state }) => {
  const record = state.callbacks.get(params.string("callback_query_id"));
  if (record === undefined || record.answer !== undefined) {
    throw BotApiError.badRequest("query is too old and response timeout expired or query ID is invalid");
  }
  if ((params.optionalString("text") ?? "").length > 200) throw BotApiError.badRequest("MESSAGE_TOO_LONG");
  record.answer = { ...params.raw };
  return true;
};

const getFile: MethodHandler = (params, { state }) => {
  const stored = state.files.get(params.string("file_id"));
  if (stored === undefined) throw BotApiError.badRequest("invalid file_id");
  const file: File = {
    file_id: stored.fileId,
    file_unique_id: stored.fileUniqueId,
    file_size: stored.bytes.length,
    file_path: stored.path,
  };
  return file;
};

/** Handlers by method name. */
export const chatMethods: Record<string, MethodHandler> = {
  getMe,
  getChat,
  getChatMember,
  getChatAdministrators,
  leaveChat,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  answerCallbackQuery,
  getFile,
};
