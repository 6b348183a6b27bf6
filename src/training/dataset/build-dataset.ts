// Feedback records → training examples. 👍 is desirable, 👎 undesirable, an answer the user
// replaced with 🔄 undesirable with a smaller weight. Each example is the conversation the model
// saw (system prompt kept) plus its answer as the bot's message, with personal data scrubbed.
// Answers outside the length limits are left out; examples with the same content are kept once
// (the newest record decides the label); the split into train and validation goes by prompt hash.
import type { Config } from "../../config/index.js";
import type { FeedbackRecord } from "../../store/index.js";
import { contentHash, datasetHash, exampleHash } from "./example-hash.js";
import { saigaExampleSchema, type SaigaExample, type SaigaMessage } from "./saiga-example.js";
import { scrubPersonalData } from "./scrub-personal-data.js";
import { splitOf, type DatasetSplit } from "./validation-split.js";

/** Options of {@link buildDataset}: the `training` settings of the same names, and who opted out. */
export type BuildDatasetOptions = Pick<
  Config["training"],
  "regeneratedWeight" | "validationShare" | "minAnswerChars" | "maxAnswerChars"
> & {
  /**
   * Users who opted out of training (`/privacy off`, `PrivacyChoices.optedOut()`): their votes
   * and their private chats' records are left out and counted as `excluded`. Default: none.
   */
  optedOut?: ReadonlySet<string>;
};

/** What became of the records. */
export interface DatasetCounts {
  /** Feedback records given. */
  records: number;
  /** Left out first: records of users who opted out of training (their votes, their private chats). */
  excluded: number;
  /** Examples kept (train + validation). */
  examples: number;
  desirable: number;
  undesirable: number;
  /** Of the undesirable: answers replaced with 🔄. */
  regenerated: number;
  train: number;
  validation: number;
  /** Left out: the same content and label as a newer record. */
  duplicates: number;
  /** Left out: the same content as a newer record with the other label. */
  conflicts: number;
  /** Left out: the answer is shorter than `minAnswerChars`. */
  tooShort: number;
  /** Left out: the answer is longer than `maxAnswerChars`. */
  tooLong: number;
  /** Left out: regenerated answers while `regeneratedWeight` is 0. */
  zeroWeight: number;
  /** Left out: a prompt that does not end with a user message (or has a system message inside). */
  invalid: number;
}

/** A kept example with its hash, side and the time of the record it came from. */
export interface DatasetEntry extends SaigaExample {
  /** {@link exampleHash}: sha256 of the messages and the label. */
  hash: string;
  split: DatasetSplit;
  /** Time of the feedback record (ms). */
  time: number;
  /** The feedback kind it came from. */
  kind: FeedbackRecord["kind"];
}

/** The result of {@link buildDataset}. */
export interface BuiltDataset {
  /** Every kept example, oldest record first. */
  entries: DatasetEntry[];
  train: SaigaExample[];
  validation: SaigaExample[];
  /** {@link datasetHash} of the kept examples. */
  hash: string;
  counts: DatasetCounts;
}

/** Builds the dataset from feedback records (in any order; {@link FeedbackStore.since} gives them oldest first). */
export function buildDataset(records: readonly FeedbackRecord[], options: BuildDatasetOptions): BuiltDataset {
  const counts: DatasetCounts = {
    records: records.length,
    excluded: 0,
    examples: 0,
    desirable: 0,
    undesirable: 0,
    regenerated: 0,
    train: 0,
    validation: 0,
    duplicates: 0,
    conflicts: 0,
    tooShort: 0,
    tooLong: 0,
    zeroWeight: 0,
    invalid: 0,
  };
  // Oldest first (stable for equal times), so that a later record replaces an earlier one.
  const ordered = records.map((record, index) => ({ record, index }));
  ordered.sort((a, b) => a.record.time - b.record.time || a.index - b.index);

  const byContent = new Map<string, DatasetEntry>();
  const optedOut = options.optedOut ?? new Set<string>();
  for (const { record } of ordered) {
    if (optedOut.has(record.userId) || optedOut.has(record.chatId)) {
      counts.excluded++;
      continue;
    }
    const weight = record.kind === "regenerated" ? options.regeneratedWeight : 1;
    if (weight <= 0) {
      counts.zeroWeight++;
      continue;
    }
    const messages: SaigaMessage[] = [
      ...record.prompt.map((message) => ({
        role: message.role === "assistant" ? ("bot" as const) : message.role,
        content: scrubPersonalData(message.content),
      })),
      { role: "bot", content: scrubPersonalData(record.answer) },
    ];
    const parsed = saigaExampleSchema.safeParse({ messages, label: record.kind === "up", weight });
    if (!parsed.success) {
      counts.invalid++;
      continue;
    }
    const length = [...record.answer.trim()].length;
    if (length < options.minAnswerChars) {
      counts.tooShort++;
      continue;
    }
    if (length > options.maxAnswerChars) {
      counts.tooLong++;
      continue;
    }
    const example = parsed.data;
    const key = contentHash(example.messages);
    const earlier = byContent.get(key);
    if (earlier) {
      if (earlier.label === example.label) counts.duplicates++;
      else counts.conflicts++;
      byContent.delete(key); // re-inserted below: the map keeps the newest records last
    }
    byContent.set(key, {
      ...example,
      hash: exampleHash(example),
      split: splitOf(example.messages, options.validationShare),
      time: record.time,
      kind: record.kind,
    });
  }

  const entries = [...byContent.values()];
  entries.sort((a, b) => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const train: SaigaExample[] = [];
  const validation: SaigaExample[] = [];
  for (const entry of entries) {
    const example: SaigaExample = { messages: entry.messages, label: entry.label, weight: entry.weight };
    (entry.split === "train" ? train : validation).push(example);
    if (entry.label) counts.desirable++;
    else counts.undesirable++;
    if (entry.kind === "regenerated") counts.regenerated++;
  }
  counts.examples = entries.length;
  counts.train = train.length;
  counts.validation = validation.length;
  return { entries, train, validation, hash: datasetHash(entries.map((entry) => entry.hash)), counts };
}
