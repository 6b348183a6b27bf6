// Stored records are read back through a schema; text that is not JSON must reach the schema as
// "nothing" (and be reported as corrupt there), not throw from JSON.parse.

/** Parsed JSON, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
