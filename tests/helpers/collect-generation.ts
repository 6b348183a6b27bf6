// Reads a whole generation: the text deltas as they streamed and the end event (stats, stop reason).
import type { ChatMessage, GenerationEvent } from "../../src/engine/index.js";

/** A conversation of one user message. */
export const ask = (content: string): ChatMessage[] => [{ role: "user", content }];

/** Collects a generation's deltas and its end event; throws when the stream ends without one. */
export async function collectGeneration(events: AsyncIterable<GenerationEvent>) {
  const deltas: string[] = [];
  for await (const event of events) {
    if (event.type === "delta") deltas.push(event.text);
    else return { deltas, end: event };
  }
  throw new Error("no end event");
}
