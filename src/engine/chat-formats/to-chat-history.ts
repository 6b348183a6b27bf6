// Our ChatMessage list → node-llama-cpp's chat history items.
import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage } from "../chat-message.js";

/** Converts messages; system text is passed as a plain string, so it can never contain special tokens. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case "system":
        return { type: "system", text: message.content };
      case "user":
        return { type: "user", text: message.content };
      case "assistant":
        return { type: "model", response: [message.content] };
    }
  });
}
