// The grammars that hold an answer to its response format: node-llama-cpp's JSON grammar for
// `json_object`, and one compiled per schema for `json_schema` (a compile takes milliseconds to
// seconds for a big schema, and API callers send the same schema with every request, so the
// last few are kept).
import type { GbnfJsonSchema, Llama, LlamaGrammar } from "node-llama-cpp";
import { InvalidResponseFormatError } from "./engine-errors.js";
import type { ResponseFormat } from "./response-format.js";
import { toGbnfJsonSchema } from "./to-gbnf-json-schema.js";

/** Compiled schema grammars kept, least recently used dropped first. */
const SCHEMA_CACHE_SIZE = 32;

/** The grammars of one llama.cpp runtime. */
export class ResponseGrammars {
  private json?: Promise<LlamaGrammar>;
  private readonly schemas = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llama: Llama,
    private readonly cacheSize = SCHEMA_CACHE_SIZE,
  ) {}

  /**
   * The grammar of `format`; undefined for free text.
   * @throws {InvalidResponseFormatError} for a schema the grammar compiler cannot enforce
   */
  async grammarFor(format: ResponseFormat | undefined): Promise<LlamaGrammar | undefined> {
    if (!format || format.type === "text") return undefined;
    if (format.type === "json_object") {
      this.json ??= this.llama.getGrammarFor("json");
      return this.json;
    }
    const key = JSON.stringify(format.schema);
    let grammar = this.schemas.get(key);
    if (grammar) {
      this.schemas.delete(key); // most recently used last
    } else {
      const schema = toGbnfJsonSchema(format.schema);
      grammar = this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema).catch((error: unknown) => {
        this.schemas.delete(key);
        throw new InvalidResponseFormatError(
          `The response format's JSON schema could not be compiled into a grammar: ${(error as Error).message}`,
          { cause: error },
        );
      });
    }
    this.schemas.set(key, grammar);
    for (const oldest of this.schemas.keys()) {
      if (this.schemas.size <= this.cacheSize) break;
      this.schemas.delete(oldest);
    }
    return grammar;
  }
}

/**
 * Whether a JSON answer is complete: `text` is one whole JSON value that no further character
 * but whitespace could extend. node-llama-cpp's schema grammars then want four newlines before
 * they allow the end of text, and the plain JSON grammar allows trailing whitespace, so the
 * engine ends the answer here instead of waiting for the model to write them.
 */
export function isCompleteJson(text: string): boolean {
  const trimmed = text.trimEnd();
  const last = trimmed.at(-1);
  if (last === undefined) return false;
  // `12` may still become `123`; after a space it cannot.
  if (last >= "0" && last <= "9" && trimmed.length === text.length) return false;
  if (!'}]"el0123456789'.includes(last)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}
