// Writes a dataset built from feedback into a folder: train.jsonl and validation.jsonl (Saiga
// format), train.tokens.jsonl and validation.tokens.jsonl (tokenized as the engine serves, for
// the trainer and the evaluation gate), and dataset.json (the manifest).
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FeedbackRecord } from "../../store/index.js";
import { buildDataset, type BuildDatasetOptions } from "./build-dataset.js";
import type { DatasetManifest } from "./dataset-manifest.js";
import { ExampleTokenizer, type TokenizeOptions } from "./example-tokenizer.js";
import { writeJsonLines } from "../../files/json-lines.js";
import { writeSaigaJsonl } from "./saiga-jsonl.js";

/** File names inside an exported dataset folder. */
export const DATASET_FILES = {
  train: "train.jsonl",
  validation: "validation.jsonl",
  trainTokens: "train.tokens.jsonl",
  validationTokens: "validation.tokens.jsonl",
  manifest: "dataset.json",
} as const;

/** Options of {@link exportDataset}. */
export interface ExportDatasetOptions extends BuildDatasetOptions {
  /** Folder to write into (created when missing; the files in it are replaced). */
  outDir: string;
  /** How to tokenize, with the model's source (MODEL) for the manifest; null = no token files. */
  tokenize: (TokenizeOptions & { modelSource: string }) | null;
  /** The `since` the records were read with (ms), for the manifest. Default 0. */
  since?: number;
}

/** Builds the dataset from `records`, writes its files, and returns the manifest (also in dataset.json). */
export async function exportDataset(
  records: readonly FeedbackRecord[],
  options: ExportDatasetOptions,
): Promise<DatasetManifest> {
  const { regeneratedWeight, validationShare, minAnswerChars, maxAnswerChars } = options;
  const dataset = buildDataset(records, {
    regeneratedWeight,
    validationShare,
    minAnswerChars,
    maxAnswerChars,
    ...(options.optedOut ? { optedOut: options.optedOut } : {}),
  });
  const dir = path.resolve(options.outDir);
  await mkdir(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  await writeSaigaJsonl(file(DATASET_FILES.train), dataset.train);
  await writeSaigaJsonl(file(DATASET_FILES.validation), dataset.validation);

  let tokens: DatasetManifest["tokens"] = null;
  if (options.tokenize) {
    const tokenizer = await ExampleTokenizer.open(options.tokenize);
    try {
      const train = tokenizer.tokenizeAll(dataset.train);
      const validation = tokenizer.tokenizeAll(dataset.validation);
      await writeJsonLines(file(DATASET_FILES.trainTokens), train.examples);
      await writeJsonLines(file(DATASET_FILES.validationTokens), validation.examples);
      tokens = {
        modelSource: options.tokenize.modelSource,
        modelPath: path.resolve(options.tokenize.modelPath),
        chatFormat: tokenizer.chatFormat,
        contextSize: options.tokenize.contextSize,
        train: train.examples.length,
        validation: validation.examples.length,
        dropped: train.dropped + validation.dropped,
      };
    } finally {
      await tokenizer.close();
    }
  }

  const manifest: DatasetManifest = {
    hash: dataset.hash,
    created: new Date().toISOString(),
    since: options.since ?? 0,
    counts: dataset.counts,
    options: { regeneratedWeight, validationShare, minAnswerChars, maxAnswerChars },
    files: {
      train: DATASET_FILES.train,
      validation: DATASET_FILES.validation,
      trainTokens: tokens ? DATASET_FILES.trainTokens : null,
      validationTokens: tokens ? DATASET_FILES.validationTokens : null,
    },
    tokens,
  };
  const partial = `${file(DATASET_FILES.manifest)}.${process.pid}.partial`;
  await writeFile(partial, JSON.stringify(manifest, null, 2) + "\n", "utf8");
  await rename(partial, file(DATASET_FILES.manifest));
  return manifest;
}
