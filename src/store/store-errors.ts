// Errors the store reports to its callers. Each has a stable `code`; messages name the bad value.
import type { ZodIssue } from "zod";
import { SaigaError } from "../errors/saiga-error.js";

/** Base class of store errors. */
export class StoreError extends SaigaError {
  override name = "StoreError";
}

/** A history turn that does not match the turn schema; nothing was written. */
export class InvalidTurnError extends StoreError {
  override name = "InvalidTurnError";
  constructor(
    /** The schema problems, one line each (`field: expected …`). */
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super("INVALID_TURN", `bad history turn: ${problems.join("; ")}`, options);
  }
}

/** A chat settings change with a bad or unknown setting; nothing was written. */
export class InvalidSettingsError extends StoreError {
  override name = "InvalidSettingsError";
  constructor(
    /** The first bad setting, e.g. `temperature`. */
    readonly setting: string,
    /** The value as given. */
    readonly value: unknown,
    /** What would have been accepted. */
    readonly expected: string,
    /** Every problem, one line each (`setting = value: expected …`). */
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super("INVALID_SETTINGS", `bad chat setting ${problems.join("; ")}`, options);
  }
}

/** A record (generation, feedback) that does not match its schema; nothing was written. */
export class InvalidRecordError extends StoreError {
  override name = "InvalidRecordError";
  constructor(kind: string, cause: { issues: readonly ZodIssue[] }, input?: unknown) {
    super("INVALID_RECORD", `bad ${kind}: ${describeIssues(cause.issues, input).join("; ")}`, { cause });
  }
}

/** One line per zod issue, `path = value: message`, for error messages. */
export function describeIssues(issues: readonly ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const field = issue.path.join(".") || "(value)";
    const value = valueAt(input, issue.path);
    const expected =
      issue.code === "unrecognized_keys" ? `unknown setting(s) ${issue.keys.join(", ")}` : issue.message;
    return issue.code === "unrecognized_keys" ? expected : `${field} = ${formatValue(value)}: ${expected}`;
  });
}

/** The value at a zod issue path, for messages. */
export function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
