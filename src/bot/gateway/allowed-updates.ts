// The update kinds the bot asks Telegram for (polling and webhook alike). Edited messages are
// requested only to be ignored on purpose; `stopped_message_generation` is a draft's stop button.
export const ALLOWED_UPDATES = [
  "message",
  "edited_message",
  "callback_query",
  "my_chat_member",
  "stopped_message_generation",
] as const;
