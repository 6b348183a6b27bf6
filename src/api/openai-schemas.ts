// The request bodies the HTTP API accepts, as zod schemas: OpenAI's chat completion and
// completion parameters that saiga implements, and nothing else. Every object is strict, so a
// parameter we do not implement (tools, logit_bias, …) is a 400 naming it, never silently
// dropped. The one parameter accepted and ignored is `user` (OpenAI's end-user id for abuse
// monitoring; callers are accounted by their key here). `null` means "not set", as in OpenAI's API.
import { z, type ZodError, type ZodIssue } from "zod";
import { OpenAIError } from "./openai-error.js";

/** Most answers one request may ask for (`n`). */
export const MAX_CHOICES = 8;
/** Most stop strings of one request. */
export const MAX_STOP_STRINGS = 16;

/** A value that must be `only` (or unset) because anything else is not implemented. */
const only = <T extends string | number | boolean>(value: T, why: string) =>
  z.literal(value, { errorMap: () => ({ message: why }) }).nullish();

const textPart = z
  .object({
    type: z.literal("text", {
      errorMap: () => ({ message: "only text content parts are supported (no images, audio or files)" }),
    }),
    text: z.string(),
  })
  .strict();

/** One message. `developer` is OpenAI's newer name for `system`. */
const chatMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"], {
      errorMap: () => ({ message: "expected one of system, developer, user, assistant (no tool messages)" }),
    }),
    content: z.union([z.string(), z.array(textPart).min(1)]),
  })
  .strict();

const stop = z.union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP_STRINGS)]).nullish();
const penalty = z.number().min(-2).max(2).nullish();

/** The sampling parameters chat completions and completions share. */
const samplingParameters = {
  model: z.string().min(1),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** Choice i of `n` samples with seed + i (serve-generation.ts). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER - MAX_CHOICES)
    .nullish(),
  stop,
  n: z.number().int().min(1).max(MAX_CHOICES).nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).strict().nullish(),
  /** Accepted and ignored: callers are accounted by their API key. */
  user: z.string().nullish(),
};

/** OpenAI refuses stream_options on a request that does not stream. */
function streamOptionsNeedStream(
  body: { stream?: boolean | null; stream_options?: unknown },
  context: z.RefinementCtx,
): void {
  if (body.stream_options && body.stream !== true) {
    context.addIssue({
      code: "custom",
      path: ["stream_options"],
      message: "stream_options is only allowed when stream is true",
    });
  }
}

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }).strict(),
  z.object({ type: z.literal("json_object") }).strict(),
  z
    .object({
      type: z.literal("json_schema"),
      json_schema: z
        .object({
          name: z.string().min(1),
          description: z.string().optional(),
          schema: z.record(z.unknown()),
          /** The grammar always enforces the schema, so strict or not is the same here. */
          strict: z.boolean().nullish(),
        })
        .strict(),
    })
    .strict(),
]);

/** `POST /v1/chat/completions`. */
export const chatCompletionRequestSchema = z
  .object({
    ...samplingParameters,
    messages: z.array(chatMessage).min(1),
    /** OpenAI's newer name for max_tokens; it wins when both are given. */
    max_completion_tokens: z.number().int().min(1).nullish(),
    response_format: responseFormat.nullish(),
    logprobs: only(false, "logprobs are not supported by this server"),
  })
  .strict()
  .superRefine(streamOptionsNeedStream);
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** `POST /v1/completions` (a raw prompt, no chat template). */
export const completionRequestSchema = z
  .object({
    ...samplingParameters,
    prompt: z.union([z.string(), z.array(z.string()).length(1)], {
      errorMap: () => ({ message: "expected a string (or a list of exactly one string)" }),
    }),
    echo: only(false, "echo is not supported by this server"),
    best_of: only(1, "best_of other than 1 is not supported by this server"),
    logprobs: z
      .null({ errorMap: () => ({ message: "logprobs are not supported by this server" }) })
      .optional(),
    suffix: z.null({ errorMap: () => ({ message: "suffix is not supported by this server" }) }).optional(),
  })
  .strict()
  .superRefine(streamOptionsNeedStream);
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** The text of one message's content: text parts are joined as they are. */
export function contentText(content: ChatCompletionRequest["messages"][number]["content"]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/** `messages[0].content` for the path `["messages", 0, "content"]`. */
function paramOf(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (param, part) => (typeof part === "number" ? `${param}[${part}]` : param ? `${param}.${part}` : part),
    "",
  );
}

/**
 * The 400 of a body that failed its schema, naming the parameter: an unknown one is
 * "unsupported", a missing one "missing", a bad one says what was expected.
 */
export function errorOfInvalidBody(error: ZodError): OpenAIError {
  const issue = deepestIssue(error.issues[0]);
  if (!issue) return OpenAIError.invalid("The request body is invalid.");
  if (issue.code === "unrecognized_keys") {
    return OpenAIError.unsupported(paramOf([...issue.path, issue.keys[0] ?? ""]));
  }
  const param = paramOf(issue.path);
  if (issue.code === "invalid_type" && issue.received === "undefined") {
    return OpenAIError.invalid(
      `Missing required parameter: '${param}'.`,
      param,
      "missing_required_parameter",
    );
  }
  if (param === "") return OpenAIError.invalid(`The request body must be a JSON object (${issue.message}).`);
  return OpenAIError.invalid(`Invalid value for '${param}': ${issue.message}.`, param, "invalid_value");
}

/**
 * For a value that matched no branch of a union (a content part of an unknown type), the issue of
 * the branch that got furthest into the value, which names what is wrong in it.
 */
function deepestIssue(issue: ZodIssue | undefined): ZodIssue | undefined {
  if (issue?.code !== "invalid_union") return issue;
  const candidates = issue.unionErrors
    .map((branch) => deepestIssue(branch.issues[0]))
    .filter((candidate): candidate is ZodIssue => candidate !== undefined);
  return (
    candidates.reduce<ZodIssue | undefined>(
      (best, candidate) => (!best || candidate.path.length > best.path.length ? candidate : best),
      undefined,
    ) ?? issue
  );
}
