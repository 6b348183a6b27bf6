// dataset.json, written next to an exported dataset: its hash, what became of the feedback, the
// options it was built with, and the model and chat format its token files were made for.
import { z } from "zod";

const count = z.number().int().min(0);

export const datasetManifestSchema = z.object({
  /** sha256 over the sorted example hashes (see datasetHash). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** When it was written (ISO 8601). */
  created: z.string(),
  /** Feedback changed after this time (ms) was read; 0 = all. */
  since: count,
  counts: z.object({
    records: count,
    /** Records of users who opted out of training (`/privacy off`); 0 in manifests written before it. */
    excluded: count.default(0),
    examples: count,
    desirable: count,
    undesirable: count,
    regenerated: count,
    train: count,
    validation: count,
    duplicates: count,
    conflicts: count,
    tooShort: count,
    tooLong: count,
    zeroWeight: count,
    invalid: count,
  }),
  options: z.object({
    regeneratedWeight: z.number(),
    validationShare: z.number(),
    minAnswerChars: count,
    maxAnswerChars: count,
  }),
  /** Files, relative to the manifest's folder. */
  files: z.object({
    train: z.string(),
    validation: z.string(),
    trainTokens: z.string().nullable(),
    validationTokens: z.string().nullable(),
  }),
  /** The model the token files were made with; null when they were not written. */
  tokens: z
    .object({
      modelSource: z.string(),
      modelPath: z.string(),
      /** How the chat format was chosen (saiga_v2, llama3, the model's own chat template). */
      chatFormat: z.string(),
      contextSize: count,
      train: count,
      validation: count,
      /** Examples left out because they do not fit the context. */
      dropped: count,
    })
    .nullable(),
});

export type DatasetManifest = z.infer<typeof datasetManifestSchema>;
