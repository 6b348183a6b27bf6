// The saiga_v2 chat format (saiga2_*, saiga_mistral_7b, gigasaiga), byte-exact to IlyaGusev/rulm:
// every message is `<s>{role}\n{content}</s>\n` with roles system/user/bot, and the prompt ends
// with `<s>bot\n`. `<s>`/`</s>` are the BOS/EOS tokens, never text.
import {
  ChatWrapper,
  LlamaText,
  SpecialToken,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
} from "node-llama-cpp";
import { historyItemRole, historyItemText, isGenerationPrompt } from "./chat-history-item-text.js";

const ROLE_NAMES = { system: "system", user: "user", assistant: "bot" } as const;

/** Renders conversations in the saiga_v2 format. */
export class SaigaV2ChatWrapper extends ChatWrapper {
  readonly wrapperName = "saiga_v2";

  override generateContextState({
    chatHistory,
  }: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState {
    const messages = chatHistory.map((item, index) => {
      const header = LlamaText([new SpecialToken("BOS"), ROLE_NAMES[historyItemRole(item)] + "\n"]);
      if (isGenerationPrompt(chatHistory, index)) return header;
      return LlamaText([header, historyItemText(item), new SpecialToken("EOS"), "\n"]);
    });
    return {
      contextText: LlamaText(messages),
      stopGenerationTriggers: [LlamaText(new SpecialToken("EOS"))],
    };
  }
}
