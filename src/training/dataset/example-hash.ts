// Content hashes of examples and datasets (sha256, hex). An example's hash covers its messages and
// label (duplicates share it); a prompt's hash covers the messages before the answer (the split
// uses it); a dataset's hash covers its sorted example hashes (the same examples, the same hash).
import { createHash } from "node:crypto";
import type { SaigaMessage } from "./saiga-example.js";

/** Hash of what an example says: its messages and its label (not its weight). */
export function exampleHash(example: { messages: readonly SaigaMessage[]; label: boolean }): string {
  return sha256(JSON.stringify([messagesKey(example.messages), example.label]));
}

/** Hash of the messages alone: examples with equal content hashes differ at most in label and weight. */
export function contentHash(messages: readonly SaigaMessage[]): string {
  return sha256(JSON.stringify(messagesKey(messages)));
}

/** Hash of the prompt: every message but the answer (the last one). */
export function promptHash(messages: readonly SaigaMessage[]): string {
  return contentHash(messages.slice(0, -1));
}

/** Hash of a dataset: sha256 over its example hashes, sorted (so the order of examples does not matter). */
export function datasetHash(exampleHashes: readonly string[]): string {
  return sha256([...exampleHashes].sort().join("\n"));
}

function messagesKey(messages: readonly SaigaMessage[]): [string, string][] {
  return messages.map((message) => [message.role, message.content]);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
