// Datasets from feedback: Saiga examples, personal-data scrubbing, dedupe, the train/validation
// split, Saiga JSONL files, and tokenization with the served chat format for the trainer.
export {
  saigaExampleSchema,
  saigaMessageSchema,
  SAIGA_ROLES,
  type SaigaExample,
  type SaigaMessage,
} from "./saiga-example.js";
export { DatasetError } from "./dataset-error.js";
export { scrubPersonalData, PERSONAL_DATA_PLACEHOLDERS } from "./scrub-personal-data.js";
export { exampleHash, contentHash, promptHash, datasetHash } from "./example-hash.js";
export { splitOf, splitOfPromptHash, type DatasetSplit } from "./validation-split.js";
export {
  buildDataset,
  type BuildDatasetOptions,
  type BuiltDataset,
  type DatasetCounts,
  type DatasetEntry,
} from "./build-dataset.js";
export { readSaigaJsonl, parseSaigaJsonl, writeSaigaJsonl } from "./saiga-jsonl.js";
export { writeJsonLines } from "../../files/json-lines.js";
export { tokenizedExampleSchema, type TokenizedExample } from "./tokenized-example.js";
export {
  ExampleTokenizer,
  tokenizeExamples,
  type TokenizeOptions,
  type TokenizedExamples,
} from "./example-tokenizer.js";
export { datasetManifestSchema, type DatasetManifest } from "./dataset-manifest.js";
export { exportDataset, DATASET_FILES, type ExportDatasetOptions } from "./export-dataset.js";
