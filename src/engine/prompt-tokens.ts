// Turns a rendered prompt (LlamaText) into tokens and into the text a person reads. Plain
// strings (user and system text) are only ever tokenized as text, so typed `</s>` stays text.
import { SpecialToken, SpecialTokensText, type LlamaModel, type LlamaText, type Token } from "node-llama-cpp";

/**
 * Tokens of `text` as the model sees them. Template text may hold special tokens (`<|eot_id|>`);
 * everything between special tokens is merged and tokenized as one plain string, which is what
 * llama.cpp does for a whole prompt, so a role name and the content after it tokenize together.
 */
export function tokenizePrompt(model: LlamaModel, text: LlamaText): Token[] {
  const pieces: (string | Token)[] = [];
  for (const value of text.values) {
    if (typeof value === "string") pieces.push(value);
    else if (value instanceof SpecialTokensText)
      pieces.push(...value.tokenizeSpecialTokensOnly(model.tokenizer));
    else pieces.push(...specialTokenIds(model, value));
  }
  const tokens: Token[] = [];
  let plain = "";
  for (const piece of pieces) {
    if (typeof piece === "string") {
      plain += piece;
      continue;
    }
    if (plain) tokens.push(...model.tokenize(plain, false));
    plain = "";
    tokens.push(piece);
  }
  if (plain) tokens.push(...model.tokenize(plain, false));
  return tokens;
}

/** The prompt as text, special tokens written as the model's own token text (`<s>`, `</s>`, …). */
export function displayPrompt(model: LlamaModel, text: LlamaText): string {
  return text.values
    .map((value) => {
      if (typeof value === "string") return value;
      if (value instanceof SpecialTokensText) return value.value;
      return specialTokenIds(model, value)
        .map((token) => model.detokenize([token], true))
        .join("");
    })
    .join("");
}

function specialTokenIds(model: LlamaModel, token: SpecialToken): Token[] {
  const id = specialTokenId(model, token.value);
  if (id === null) throw new Error(`this model has no ${token.value} token, which the chat format needs`);
  return [id];
}

function specialTokenId(model: LlamaModel, name: SpecialToken["value"]): Token | null {
  switch (name) {
    case "BOS":
      return model.tokens.bos;
    case "EOS":
      return model.tokens.eos;
    case "NL":
      return model.tokens.nl;
    case "EOT":
      return model.tokens.eot ?? model.tokens.eos;
    case "SEP":
      return model.tokens.sep;
  }
}
