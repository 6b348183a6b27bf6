// Reads a judge's reply: the last JSON object in it (inside a code fence or not) that carries
// score_a and score_b from 1 to 10. Judges wrap JSON in prose and fences, so the reply is searched
// rather than parsed whole.

/** What the judge decided about one ordering: scores of the answer shown first (A) and second (B). */
export interface Verdict {
  explanation: string;
  scoreA: number;
  scoreB: number;
}

/** The verdict in `reply`, or null when there is none to be read. */
export function parseVerdict(reply: string): Verdict | null {
  const candidates = jsonObjectsIn(reply);
  for (let i = candidates.length - 1; i >= 0; i--) {
    const verdict = verdictOf(candidates[i]);
    if (verdict) return verdict;
  }
  return null;
}

function verdictOf(value: unknown): Verdict | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const scoreA = scoreOf(record.score_a ?? record.scoreA);
  const scoreB = scoreOf(record.score_b ?? record.scoreB);
  if (scoreA === null || scoreB === null) return null;
  const explanation = typeof record.explanation === "string" ? record.explanation : "";
  return { explanation, scoreA, scoreB };
}

function scoreOf(value: unknown): number | null {
  const score = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof score !== "number" || !Number.isFinite(score) || score < 1 || score > 10) return null;
  return score;
}

/** Every balanced {…} in `text` that parses as JSON, in order of where it starts. */
function jsonObjectsIn(text: string): unknown[] {
  const found: unknown[] = [];
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    const end = matchingBrace(text, start);
    if (end === -1) continue;
    try {
      found.push(JSON.parse(text.slice(start, end + 1)));
    } catch {
      // prose in braces, or JSON the judge broke
    }
  }
  return found;
}

/** Index of the brace closing the one at `start`, skipping braces inside JSON strings; -1 if none. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return i;
  }
  return -1;
}
