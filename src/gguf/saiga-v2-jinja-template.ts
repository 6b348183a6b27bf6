// The saiga_v2 chat format as a Jinja chat template (GGUF `tokenizer.chat_template`) and its default system prompt.

/** System prompt Saiga models were trained with; the template inserts it when a chat has no system message. */
export const SAIGA_DEFAULT_SYSTEM_PROMPT =
  "Ты — Сайга, русскоязычный автоматический ассистент. Ты разговариваешь с людьми и помогаешь им.";

/**
 * saiga_v2: every message is `<s>{role}\n{content}</s>\n` with roles system, user and bot
 * (the assistant role is rendered as `bot`); the generation prompt is `<s>bot\n`.
 * `<s>`/`</s>` come from the `bos_token`/`eos_token` variables so that runtimes can map them to
 * the BOS/EOS token ids instead of tokenizing the text. Written for Jinja2 and @huggingface/jinja
 * (node-llama-cpp); `\n` inside the string literals is a Jinja escape, not a raw newline.
 */
export const SAIGA_V2_JINJA_TEMPLATE = String.raw`{%- set ns = namespace(has_system=false) -%}
{%- for message in messages -%}
    {%- if message['role'] == 'system' -%}{%- set ns.has_system = true -%}{%- endif -%}
{%- endfor -%}
{%- if not ns.has_system -%}
    {{- bos_token + 'system\n' + '${SAIGA_DEFAULT_SYSTEM_PROMPT}' + eos_token + '\n' -}}
{%- endif -%}
{%- for message in messages -%}
    {%- if message['role'] == 'assistant' -%}
        {{- bos_token + 'bot\n' + message['content'] + eos_token + '\n' -}}
    {%- else -%}
        {{- bos_token + message['role'] + '\n' + message['content'] + eos_token + '\n' -}}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- bos_token + 'bot\n' -}}
{%- endif -%}`;
