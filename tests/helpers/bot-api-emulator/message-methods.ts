// The methods that write into chats: sendMessage, the edits, deletions, chat actions and drafts.
import { isDeepStrictEqual } from "node:util";
import type {
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  ReplyParameters,
} from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import type { ChatRecord, EmulatorState, StoredMessage } from "./emulator-state.js";
import { formatText } from "./format-text.js";
import type { MethodHandler } from "./method-handler.js";
import type { RequestParams } from "./request-params.js";

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

const BUTTON_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
] as const;

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/** The bot as it appears in `from` of its messages. */
function botSender(state: EmulatorState): Message["from"] {
  const { id, first_name, username } = state.bot;
  return { id, is_bot: true, first_name, username };
}

/** 403s of chats the bot cannot write to: blocked by the user, removed from the group. */
function assertCanWrite(state: EmulatorState, record: ChatRecord): void {
  const chat = record.chat;
  if (chat.type === "private") {
    if (record.blocked) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
    return;
  }
  const kind = chat.type === "group" ? "group chat" : "supergroup chat";
  const status = state.member(record, state.bot.id).status;
  if (status === "kicked") throw new BotApiError(403, `Forbidden: bot was kicked from the ${kind}`);
  if (status === "left") throw new BotApiError(403, `Forbidden: bot is not a member of the ${kind}`);
  if (status === "restricted")
    throw BotApiError.badRequest("not enough rights to send text messages to the chat");
}

/** The inline keyboard in `reply_markup`, checked like Telegram checks it; other keyboards are accepted and not stored. */
function inlineKeyboardOf(params: RequestParams): InlineKeyboardMarkup | undefined {
  const markup = params.json<Record<string, unknown>>("reply_markup");
  if (markup === undefined || !("inline_keyboard" in markup)) return undefined;
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every((row) => Array.isArray(row))) {
    throw BotApiError.badRequest(
      'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
  }
  const keyboard: InlineKeyboardButton[][] = [];
  for (const row of rows as unknown[][]) {
    const buttons: InlineKeyboardButton[] = [];
    for (const button of row) {
      if (typeof button !== "object" || button === null) {
        throw BotApiError.badRequest(
          "can't parse inline keyboard button: InlineKeyboardButton must be an Object",
        );
      }
      const fields = button as Record<string, unknown>;
      if (typeof fields.text !== "string" || fields.text === "") {
        throw BotApiError.badRequest("can't parse inline keyboard button: Text must be a non-empty String");
      }
      const actions = BUTTON_ACTIONS.filter((action) => fields[action] !== undefined);
      if (actions.length === 0)
        throw BotApiError.badRequest("text buttons are unallowed in the inline keyboard");
      if (actions.length > 1)
        throw BotApiError.badRequest("can't parse inline keyboard button: too many actions");
      if (fields.callback_data !== undefined) {
        const size = typeof fields.callback_data === "string" ? Buffer.byteLength(fields.callback_data) : 0;
        if (size < 1 || size > 64) throw BotApiError.badRequest("BUTTON_DATA_INVALID");
      }
      if (
        fields.url !== undefined &&
        !(typeof fields.url === "string" && /^(https?|tg):\/\/\S+$/i.test(fields.url))
      ) {
        throw BotApiError.badRequest(`inline keyboard button URL '${String(fields.url)}' is invalid`);
      }
      buttons.push(structuredClone(fields) as unknown as InlineKeyboardButton);
    }
    if (buttons.length > 0) keyboard.push(buttons);
  }
  return keyboard.length === 0 ? undefined : { inline_keyboard: keyboard };
}

/** The message a new one replies to (`reply_parameters`, or the older `reply_to_message_id`). */
function replyTarget(
  params: RequestParams,
  record: ChatRecord,
  state: EmulatorState,
): StoredMessage | undefined {
  const reply = params.json<ReplyParameters>("reply_parameters");
  const messageId = reply?.message_id ?? params.optionalInt("reply_to_message_id");
  if (messageId === undefined) return undefined;
  const target = reply?.chat_id === undefined ? record : state.chat(reply.chat_id);
  const stored = target.messages.get(Number(messageId));
  if (target === record && stored !== undefined && !stored.deleted) return stored;
  const allowMissing = reply?.allow_sending_without_reply ?? params.bool("allow_sending_without_reply");
  if (allowMissing) return undefined;
  throw BotApiError.badRequest("message to be replied not found");
}

/** A bot message the edit methods may change. */
function editableMessage(
  params: RequestParams,
  state: EmulatorState,
): { record: ChatRecord; stored: StoredMessage } {
  if (params.has("inline_message_id")) throw BotApiError.badRequest("MESSAGE_ID_INVALID");
  const record = state.chat(params.chatId());
  const messageId = params.optionalInt("message_id");
  if (messageId === undefined) throw BotApiError.badRequest("message identifier is not specified");
  const stored = record.messages.get(messageId);
  if (stored === undefined || stored.deleted) throw BotApiError.badRequest("message to edit not found");
  if (!stored.byBot) throw BotApiError.badRequest("message can't be edited");
  return { record, stored };
}

function withMarkup(message: Message, markup: InlineKeyboardMarkup | undefined): Message {
  const { reply_markup: _old, ...rest } = message;
  return (markup === undefined ? rest : { ...rest, reply_markup: markup }) as Message;
}

function withText(message: Message, text: string, entities: MessageEntity[]): Message {
  const { entities: _old, ...rest } = message;
  return (entities.length > 0 ? { ...rest, text, entities } : { ...rest, text }) as Message;
}

/** The forum topic of `message_thread_id` (checked), as the fields of a message written in it. */
function topicFields(params: RequestParams, record: ChatRecord, state: EmulatorState): Partial<Message> {
  const threadId = params.optionalInt("message_thread_id");
  if (threadId === undefined) return {};
  return { message_thread_id: state.topic(record, threadId), is_topic_message: true };
}

/** Telegram removes a chat's drafts when the bot sends a message there. */
function endDrafts(record: ChatRecord): void {
  for (const draft of record.drafts.values()) draft.active = false;
}

const sendMessage: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  assertCanWrite(state, record);
  const parseMode = params.optionalString("parse_mode");
  const formatted = formatText({
    text: params.optionalString("text"),
    parseMode,
    entities: params.json<MessageEntity[]>("entities"),
  });
  const target = replyTarget(params, record, state);
  const topic = topicFields(params, record, state);
  const markup = inlineKeyboardOf(params);
  const { reply_to_message: _nested, ...replied } = target?.message ?? {};
  const stored = state.addMessage(
    record,
    {
      from: botSender(state),
      ...topic,
      text: formatted.text,
      ...(formatted.entities.length > 0 ? { entities: formatted.entities } : {}),
      ...(target === undefined
        ? {}
        : { reply_to_message: replied as NonNullable<Message["reply_to_message"]> }),
      ...(markup === undefined ? {} : { reply_markup: markup }),
      ...(params.bool("protect_content") ? { has_protected_content: true } : {}),
    },
    true,
    parseMode,
  );
  endDrafts(record);
  return stored.message;
};

/** A bot's upload (multipart `document`): stored like users' files, so getFile and the file URL serve it. */
const sendDocument: MethodHandler = async (params, { state }) => {
  const record = state.chat(params.chatId());
  assertCanWrite(state, record);
  const upload = params.raw.document;
  if (!(upload instanceof File)) throw BotApiError.badRequest("there is no document in the request");
  const n = state.nextSequence();
  const fileName = upload.name || "document";
  const file = {
    fileId: `DOCUMENT-${n}-${Buffer.from(`document:${n}`).toString("base64url")}`,
    fileUniqueId: `AQAD${n}`,
    path: `documents/file_${n}_${fileName.replace(/[^\w.-]/g, "_")}`,
    bytes: Buffer.from(await upload.arrayBuffer()),
  };
  state.files.set(file.fileId, file);
  const caption = params.optionalString("caption");
  const markup = inlineKeyboardOf(params);
  const stored = state.addMessage(
    record,
    {
      from: botSender(state),
      ...topicFields(params, record, state),
      document: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        file_name: fileName,
        mime_type: upload.type || "application/octet-stream",
        file_size: file.bytes.length,
      },
      ...(caption === undefined ? {} : { caption }),
      ...(markup === undefined ? {} : { reply_markup: markup }),
    },
    true,
    undefined,
  );
  endDrafts(record);
  return stored.message;
};

const editMessageText: MethodHandler = (params, { state }) => {
  const { stored } = editableMessage(params, state);
  const parseMode = params.optionalString("parse_mode");
  const formatted = formatText({
    text: params.optionalString("text"),
    parseMode,
    entities: params.json<MessageEntity[]>("entities"),
  });
  if (stored.message.text === undefined)
    throw BotApiError.badRequest("there is no text in the message to edit");
  // without reply_markup, an edit removes the inline keyboard
  const markup = inlineKeyboardOf(params);
  const sameText = stored.message.text === formatted.text;
  const sameEntities = isDeepStrictEqual(stored.message.entities ?? [], formatted.entities);
  if (sameText && sameEntities && isDeepStrictEqual(stored.message.reply_markup, markup)) {
    throw BotApiError.badRequest(NOT_MODIFIED);
  }
  stored.message = { ...withMarkup(withText(stored.message, formatted.text, formatted.entities), markup) };
  stored.message.edit_date = state.unixNow();
  stored.edits++;
  if (parseMode) stored.parseMode = parseMode;
  else delete stored.parseMode;
  return stored.message;
};

const editMessageReplyMarkup: MethodHandler = (params, { state }) => {
  const { stored } = editableMessage(params, state);
  const markup = inlineKeyboardOf(params);
  if (isDeepStrictEqual(stored.message.reply_markup, markup)) throw BotApiError.badRequest(NOT_MODIFIED);
  stored.message = withMarkup(stored.message, markup);
  stored.message.edit_date = state.unixNow();
  stored.edits++;
  return stored.message;
};

/** Bots delete their own messages anywhere, others' in private chats, and in groups as administrators. */
function deleteOne(state: EmulatorState, record: ChatRecord, messageId: number): void {
  const stored = record.messages.get(messageId);
  if (stored === undefined || stored.deleted) throw BotApiError.badRequest("message to delete not found");
  if (!stored.byBot && record.chat.type !== "private") {
    const role = state.member(record, state.bot.id);
    const canDelete =
      role.status === "creator" || (role.status === "administrator" && role.can_delete_messages);
    if (!canDelete) throw BotApiError.badRequest("message can't be deleted");
  }
  stored.deleted = true;
}

const deleteMessage: MethodHandler = (params, { state }) => {
  deleteOne(state, state.chat(params.chatId()), params.int("message_id"));
  return true;
};

const deleteMessages: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  const ids = params.json<number[]>("message_ids");
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100)
    throw BotApiError.badRequest("message_ids is empty");
  for (const id of ids) {
    try {
      deleteOne(state, record, Number(id));
    } catch {
      // deleteMessages skips messages it cannot delete
    }
  }
  return true;
};

const sendChatAction: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  assertCanWrite(state, record);
  if (!CHAT_ACTIONS.has(params.optionalString("action") ?? "")) {
    throw BotApiError.badRequest("wrong parameter action in request");
  }
  topicFields(params, record, state);
  return true;
};

const sendMessageDraft: MethodHandler = (params, { state }) => {
  const record = state.chat(params.chatId());
  if (record.chat.type !== "private")
    throw BotApiError.badRequest("drafts can be sent only to private chats");
  assertCanWrite(state, record);
  const draftId = params.int("draft_id");
  if (draftId === 0) throw BotApiError.badRequest("draft_id must be non-zero");
  const formatted = formatText({
    text: params.optionalString("text"),
    parseMode: params.optionalString("parse_mode"),
    entities: params.json<MessageEntity[]>("entities"),
    allowEmpty: true,
  });
  const now = Date.now();
  const draft = record.drafts.get(draftId);
  const canStop = params.bool("can_stop");
  if (draft === undefined || !draft.active) {
    record.drafts.set(draftId, {
      draftId,
      text: formatted.text,
      entities: formatted.entities,
      history: [formatted.text],
      canStop,
      active: true,
      firstAt: now,
      lastAt: now,
    });
  } else {
    Object.assign(draft, { text: formatted.text, entities: formatted.entities, canStop, lastAt: now });
    draft.history.push(formatted.text);
  }
  return true;
};

/** Handlers by method name. */
export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  sendDocument,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  sendChatAction,
  sendMessageDraft,
};
