// Commander argument parsers that reject bad numbers with a message naming the option.
import { InvalidArgumentError } from "commander";

/** Parses a finite number. */
export function parseNumberOption(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) throw new InvalidArgumentError("expected a number");
  return parsed;
}

/** Parses a whole number ≥ 0. */
export function parseCountOption(value: string): number {
  const parsed = parseNumberOption(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return parsed;
}
