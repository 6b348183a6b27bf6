// Public surface of the GGUF module: reading, writing and generating GGUF model files.
export {
  GgmlType,
  ggmlTypeInfo,
  ggmlTypeName,
  isGgmlType,
  tensorByteSize,
  tensorElementCount,
} from "./ggml-type.js";
export type { GgmlTypeInfo } from "./ggml-type.js";
export { GgufError } from "./gguf-error.js";
export type { GgufErrorCode } from "./gguf-error.js";
export { GgufValueType, ggufValueTypeName } from "./gguf-value-type.js";
export type { GgufBigIntType, GgufNumberType } from "./gguf-value-type.js";
export { gguf, ggufValueToJs } from "./gguf-value.js";
export type {
  GgufArrayValue,
  GgufBigIntValue,
  GgufBoolValue,
  GgufNumberValue,
  GgufPlainValue,
  GgufStringValue,
  GgufValue,
} from "./gguf-value.js";
export { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, readGguf, readTensorData } from "./gguf-reader.js";
export type { GgufFile, GgufTensorInfo } from "./gguf-reader.js";
export { writeGguf } from "./gguf-writer.js";
export type {
  ChunkSource,
  GgufFloatTensorInput,
  GgufFloatTensorType,
  GgufRawTensorInput,
  GgufTensorInput,
  GgufWriteInput,
  GgufWriteResult,
} from "./gguf-writer.js";
export { decodeBf16, decodeF16, encodeBf16, encodeF16, f16ToF32, f32BitsToF16Bits, f32ToF16 } from "./f16.js";
export { Q8_0_BLOCK_BYTES, Q8_0_BLOCK_SIZE, dequantizeQ8_0, quantizeQ8_0 } from "./q8-0.js";
export { SeededRandom } from "./seeded-random.js";
export { SPM_BOS_ID, SPM_EOS_ID, SPM_SPACE, SPM_UNK_ID, SpmTokenType, buildSpmVocab } from "./spm-vocab.js";
export type { SpmVocab, SpmVocabOptions } from "./spm-vocab.js";
export { LlamaFileType, llamaFileTypeName } from "./llama-file-type.js";
export { writeLlamaModel } from "./llama-model-builder.js";
export type { LlamaModelOptions, LlamaModelResult, LlamaWeightType } from "./llama-model-builder.js";
export { DEMO_MODEL_NAME, DEMO_MODEL_OPTIONS, writeDemoModel } from "./demo-model.js";
export { SAIGA_DEFAULT_SYSTEM_PROMPT, SAIGA_V2_JINJA_TEMPLATE } from "./saiga-v2-jinja-template.js";
export { describeModel } from "./describe-model.js";
export type { ModelDescription } from "./describe-model.js";
export { writeLoraAdapter } from "./lora-adapter-writer.js";
export type { LoraAdapterInput, LoraPair } from "./lora-adapter-writer.js";
