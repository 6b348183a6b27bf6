// Picks the chat format for a model: the configured one, or for `auto` the GGUF's own
// tokenizer.chat_template (rendered by node-llama-cpp's Jinja wrapper), saiga_v2 when it has none.
import { JinjaTemplateChatWrapper, type ChatWrapper } from "node-llama-cpp";
import type { Config } from "../../config/index.js";
import { Llama3ChatWrapper } from "./llama3-chat-wrapper.js";
import { SaigaV2ChatWrapper } from "./saiga-v2-chat-wrapper.js";

export type ChatFormatName = Config["model"]["chatFormat"];

/** What was chosen and why, for the start-up report. */
export interface SelectedChatWrapper {
  wrapper: ChatWrapper;
  /** `saiga_v2`, `llama3` or `gguf template`. */
  description: string;
}

/**
 * Returns the chat wrapper for `format`.
 * @param chatTemplate the model's `tokenizer.chat_template`, if any
 */
export function selectChatWrapper(
  format: ChatFormatName,
  chatTemplate: string | undefined,
): SelectedChatWrapper {
  switch (format) {
    case "saiga_v2":
      return { wrapper: new SaigaV2ChatWrapper(), description: "saiga_v2" };
    case "llama3":
      return { wrapper: new Llama3ChatWrapper(), description: "llama3" };
    case "auto":
      if (!chatTemplate)
        return {
          wrapper: new SaigaV2ChatWrapper(),
          description: "saiga_v2 (the model has no chat template)",
        };
      return {
        wrapper: new JinjaTemplateChatWrapper({
          template: chatTemplate,
          trimLeadingWhitespaceInResponses: false,
        }),
        description: "the model's own chat template",
      };
  }
}
