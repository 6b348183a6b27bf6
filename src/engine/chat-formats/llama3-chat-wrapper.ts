// The Llama-3 chat format (saiga_llama3_8b v4+): the standard Llama-3 template, content trimmed,
// generation prompt `<|start_header_id|>assistant<|end_header_id|>\n\n`, stop at `<|eot_id|>`.
import {
  ChatWrapper,
  LlamaText,
  SpecialToken,
  SpecialTokensText,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
} from "node-llama-cpp";
import { historyItemRole, historyItemText, isGenerationPrompt } from "./chat-history-item-text.js";

/** Renders conversations in the Llama-3 format. */
export class Llama3ChatWrapper extends ChatWrapper {
  readonly wrapperName = "llama3";

  override generateContextState({
    chatHistory,
  }: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState {
    const messages = chatHistory.map((item, index) => {
      const header = LlamaText([
        new SpecialTokensText("<|start_header_id|>"),
        historyItemRole(item),
        new SpecialTokensText("<|end_header_id|>"),
        "\n\n",
      ]);
      if (isGenerationPrompt(chatHistory, index)) return header;
      return LlamaText([header, historyItemText(item).trim(), new SpecialTokensText("<|eot_id|>")]);
    });
    return {
      contextText: LlamaText([new SpecialToken("BOS"), ...messages]),
      stopGenerationTriggers: [
        LlamaText(new SpecialTokensText("<|eot_id|>")),
        LlamaText(new SpecialToken("EOT")),
        LlamaText(new SpecialToken("EOS")),
      ],
    };
  }
}
