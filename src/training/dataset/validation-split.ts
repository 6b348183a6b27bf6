// The deterministic train/validation split: a prompt goes to validation when the first 52 bits of
// its hash, as a fraction of 2^52, fall below the validation share. The same prompt is always on
// the same side (its desirable and undesirable answers too), whatever else the dataset holds.
import { promptHash } from "./example-hash.js";
import type { SaigaMessage } from "./saiga-example.js";

/** Which part of the dataset an example belongs to. */
export type DatasetSplit = "train" | "validation";

/** The side of the prompt with hash `hash` (hex, at least 13 digits) for validation share `share` (0–1). */
export function splitOfPromptHash(hash: string, share: number): DatasetSplit {
  const fraction = parseInt(hash.slice(0, 13), 16) / 2 ** 52;
  return fraction < share ? "validation" : "train";
}

/** The side of an example, by the hash of its prompt (every message but the answer). */
export function splitOf(messages: readonly SaigaMessage[], share: number): DatasetSplit {
  return splitOfPromptHash(promptHash(messages), share);
}
