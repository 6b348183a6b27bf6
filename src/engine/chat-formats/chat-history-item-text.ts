// Reads node-llama-cpp chat history items back as plain roles and text for our own chat wrappers.
import { LlamaText, type ChatHistoryItem } from "node-llama-cpp";

/** The role of a history item in our terms. */
export function historyItemRole(item: ChatHistoryItem): "system" | "user" | "assistant" {
  return item.type === "model" ? "assistant" : item.type;
}

/** The text of a history item; model responses keep only their text parts. */
export function historyItemText(item: ChatHistoryItem): string {
  switch (item.type) {
    case "system":
      return LlamaText.fromJSON(item.text).toString();
    case "user":
      return item.text;
    case "model":
      return item.response.filter((part): part is string => typeof part === "string").join("");
  }
}

/** Whether item `index` is the trailing empty model turn that asks for the generation prompt. */
export function isGenerationPrompt(history: readonly ChatHistoryItem[], index: number): boolean {
  const item = history[index];
  return index === history.length - 1 && item?.type === "model" && historyItemText(item) === "";
}
