// Summarizes a GGUF model file (architecture, size, quantization, shape) for `saiga model info`.
import { basename } from "node:path";
import { ggmlTypeName, tensorElementCount, type GgmlType } from "./ggml-type.js";
import { readGguf, type GgufFile } from "./gguf-reader.js";
import { GgufValueType } from "./gguf-value-type.js";
import type { GgufValue } from "./gguf-value.js";
import { llamaFileTypeName } from "./llama-file-type.js";

/** What `saiga model info` shows about a model file. */
export interface ModelDescription {
  /** `general.architecture`, e.g. `llama`; `unknown` when missing (llama.cpp would refuse such a file). */
  readonly architecture: string;
  /** `general.name`, falling back to the file name. */
  readonly name: string;
  /** Total number of tensor elements. */
  readonly parameters: number;
  readonly fileSize: number;
  /** `general.file_type` name (`Q4_K_M`, `F16`, …), else the type holding most tensor bytes. */
  readonly quantization: string;
  readonly contextLength: number | null;
  readonly embeddingLength: number | null;
  readonly layers: number | null;
  readonly heads: number | null;
  readonly headsKv: number | null;
  readonly vocabSize: number | null;
  readonly chatTemplate: string | null;
  readonly ggufVersion: number;
}

function str(v: GgufValue | undefined): string | null {
  return v?.type === GgufValueType.STRING ? v.value : null;
}

/** A numeric value; per-layer arrays (some architectures vary heads by layer) give their maximum. */
function num(v: GgufValue | undefined): number | null {
  if (v === undefined) return null;
  if (v.type === GgufValueType.ARRAY) {
    if (
      v.itemType === GgufValueType.STRING ||
      v.itemType === GgufValueType.BOOL ||
      v.itemType === GgufValueType.ARRAY
    ) {
      return null;
    }
    const values: number[] = v.value.map(Number);
    return values.length > 0 ? values.reduce((a, b) => Math.max(a, b)) : null;
  }
  if (v.type === GgufValueType.STRING || v.type === GgufValueType.BOOL) return null;
  return Number(v.value);
}

function dominantType(file: GgufFile): string {
  const bytes = new Map<GgmlType, number>();
  for (const t of file.tensors) bytes.set(t.type, (bytes.get(t.type) ?? 0) + t.byteSize);
  let best: GgmlType | null = null;
  for (const [type, n] of bytes) if (best === null || n > (bytes.get(best) ?? 0)) best = type;
  return best === null ? "unknown" : ggmlTypeName(best);
}

/** Reads the header of the GGUF at `path` and summarizes it; tensor data is not read. */
export async function describeModel(path: string): Promise<ModelDescription> {
  const file = await readGguf(path);
  const m = file.metadata;
  const arch = str(m["general.architecture"]);
  const key = (suffix: string): GgufValue | undefined => (arch === null ? undefined : m[`${arch}.${suffix}`]);
  const fileType = num(m["general.file_type"]);

  const tokens = m["tokenizer.ggml.tokens"];
  const embd = file.tensors.find((t) => t.name === "token_embd.weight");
  const vocabSize =
    num(key("vocab_size")) ??
    (tokens?.type === GgufValueType.ARRAY ? tokens.value.length : null) ??
    embd?.dims[1] ??
    null;

  return {
    architecture: arch ?? "unknown",
    name: str(m["general.name"]) ?? basename(path).replace(/\.gguf$/i, ""),
    parameters: file.tensors.reduce((sum, t) => sum + tensorElementCount(t.dims), 0),
    fileSize: file.fileSize,
    quantization: (fileType === null ? null : llamaFileTypeName(fileType)) ?? dominantType(file),
    contextLength: num(key("context_length")),
    embeddingLength: num(key("embedding_length")),
    layers: num(key("block_count")),
    heads: num(key("attention.head_count")),
    headsKv: num(key("attention.head_count_kv")),
    vocabSize,
    chatTemplate: str(m["tokenizer.chat_template"]),
    ggufVersion: file.version,
  };
}
