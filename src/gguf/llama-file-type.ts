// llama.cpp `general.file_type` ids (enum llama_ftype) and their conventional names.

/** `general.file_type` values: what most weights of a model file are stored as. */
export const LlamaFileType = {
  ALL_F32: 0,
  MOSTLY_F16: 1,
  MOSTLY_Q4_0: 2,
  MOSTLY_Q4_1: 3,
  MOSTLY_Q8_0: 7,
  MOSTLY_Q5_0: 8,
  MOSTLY_Q5_1: 9,
  MOSTLY_Q2_K: 10,
  MOSTLY_Q3_K_S: 11,
  MOSTLY_Q3_K_M: 12,
  MOSTLY_Q3_K_L: 13,
  MOSTLY_Q4_K_S: 14,
  MOSTLY_Q4_K_M: 15,
  MOSTLY_Q5_K_S: 16,
  MOSTLY_Q5_K_M: 17,
  MOSTLY_Q6_K: 18,
  MOSTLY_IQ2_XXS: 19,
  MOSTLY_IQ2_XS: 20,
  MOSTLY_Q2_K_S: 21,
  MOSTLY_IQ3_XS: 22,
  MOSTLY_IQ3_XXS: 23,
  MOSTLY_IQ1_S: 24,
  MOSTLY_IQ4_NL: 25,
  MOSTLY_IQ3_S: 26,
  MOSTLY_IQ3_M: 27,
  MOSTLY_IQ2_S: 28,
  MOSTLY_IQ2_M: 29,
  MOSTLY_IQ4_XS: 30,
  MOSTLY_IQ1_M: 31,
  MOSTLY_BF16: 32,
  MOSTLY_TQ1_0: 36,
  MOSTLY_TQ2_0: 37,
  MOSTLY_MXFP4_MOE: 38,
  MOSTLY_NVFP4: 39,
  MOSTLY_Q1_0: 40,
  MOSTLY_Q2_0: 41,
} as const;

/** A known `general.file_type` id. */
export type LlamaFileType = (typeof LlamaFileType)[keyof typeof LlamaFileType];

const NAMES = new Map<number, string>(
  Object.entries(LlamaFileType).map(([key, id]) => [id, key.replace(/^(ALL|MOSTLY)_/, "")]),
);

/** Short name of a file type as used in model file names (`F16`, `Q4_K_M`, …); null when unknown. */
export function llamaFileTypeName(id: number): string | null {
  // Bit 10 (LLAMA_FTYPE_GUESSED) only marks a type that llama.cpp inferred itself.
  return NAMES.get(id & ~1024) ?? null;
}
