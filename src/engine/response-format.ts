// What shape an answer must have: free text, any JSON object, or JSON that follows a schema.
// The engine enforces the JSON forms with node-llama-cpp's grammars while sampling.
import { z } from "zod";

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    /** A JSON Schema (the subset node-llama-cpp's grammar compiler understands). */
    schema: z.record(z.unknown()),
  }),
]);

export type ResponseFormat = z.infer<typeof responseFormatSchema>;
