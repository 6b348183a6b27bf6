// The dashboard password check, in constant time: both sides are hashed first, so neither the
// length nor a common prefix of a guess shows in how long the answer takes.
import { createHash, timingSafeEqual } from "node:crypto";

/** Whether `given` is the configured password (an empty configured password matches nothing). */
export function passwordMatches(given: string, configured: string): boolean {
  if (configured === "") return false;
  return timingSafeEqual(sha256(given), sha256(configured));
}

/** Whether two secrets (tokens) are equal, in constant time. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
