// Reads the teacher's batch of invented tasks. Teachers do not follow a format to the letter, so
// this accepts what they actually write: tasks separated by "###" lines or headed "Задание 3:",
// "3.", "3)" (markdown bold and headings around them too), fields labelled "Инструкция:" /
// "Вход:" (or Instruction/Input, rulm's "3. Instruction:"), an unlabelled instruction after the
// header, an "Ответ:"/"Output:" field (dropped: every task is answered in a call of its own), and
// the many ways of saying a task has no input ("<нет входных данных>", "нет", "-", "<noinput>").
import type { PoolTask } from "./seed-task.js";

/** What one teacher answer held. */
export interface ParsedBatch {
  tasks: PoolTask[];
  /** Pieces that looked like a task but had no instruction to read. */
  unparsed: number;
}

type FieldKind = "instruction" | "input" | "output";

const FIELD_OF_LABEL: Record<string, FieldKind> = {
  инструкция: "instruction",
  задание: "instruction",
  задача: "instruction",
  instruction: "instruction",
  "входные данные": "input",
  вход: "input",
  ввод: "input",
  input: "input",
  "выходные данные": "output",
  выход: "output",
  ответ: "output",
  output: "output",
};

/** A "###" (or longer) line between tasks. */
const SEPARATOR = /^\s*#{3,}\s*$/;
/** "Задание 3:", "**Задача №3.**", "### Task 3" — the rest of the line follows in group 2. */
const NAMED_HEADER = /^\s*#*\s*\**\s*(?:задание|задача|task)\s*(?:№\s*)?(\d+)\s*\**\s*[:.)]?\s*\**\s*(.*)$/iu;
/** "3.", "3)", "**3.**" followed by a space or the end of the line (not "3.14"). */
const NUMBERED_HEADER = /^\s*\**\s*(\d+)\s*[.)](?=\s|\*|$)\s*\**\s*(.*)$/u;
/** "Инструкция: …", "- **Вход:** …", rulm's "3. Input: …". */
const FIELD_LABEL = new RegExp(
  String.raw`^\s*(?:\d+\s*[.)]\s*)?(?:[-*•]\s+)?\**\s*(` +
    Object.keys(FIELD_OF_LABEL).join("|") +
    String.raw`)\s*\**\s*:\s*\**\s*(.*)$`,
  "iu",
);

const NO_INPUT_MARKERS = new Set([
  "",
  "-",
  "—",
  "–",
  "нет",
  "нет входных данных",
  "без входных данных",
  "входные данные отсутствуют",
  "входных данных нет",
  "отсутствует",
  "отсутствуют",
  "не требуется",
  "не требуются",
  "пусто",
  "нет ввода",
  "noinput",
  "no input",
  "none",
  "n/a",
  "empty",
]);

/** Whether an input field says the task has no input. */
export function isNoInput(text: string): boolean {
  const bare = text
    .toLowerCase()
    .replace(/[<>[\]()«»"'`*_.!]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return NO_INPUT_MARKERS.has(bare);
}

interface Fragment {
  lines: string[];
  /** Begun by a separator or a header (not text before the first task). */
  headed: boolean;
}

/** Splits the teacher's answer into tasks. */
export function parseTaskBatch(text: string): ParsedBatch {
  const fragments = splitFragments(text.replace(/\r\n?/g, "\n").split("\n"));
  const read = fragments.map(readFragment).filter((fragment) => fragment.hasText);
  const anyLabelled = read.some((fragment) => fragment.labelled);
  const tasks: PoolTask[] = [];
  let unparsed = 0;
  read.forEach((fragment, index) => {
    const preamble = index === 0 && !fragment.headed && !fragment.labelled && read.length > 1;
    if (preamble) return;
    if (fragment.instruction === "" || (anyLabelled && !fragment.labelled)) unparsed++;
    else tasks.push({ instruction: fragment.instruction, input: fragment.input });
  });
  return { tasks, unparsed };
}

/**
 * Cuts the lines into tasks: at "###" lines and named headers; at numbered headers only when the
 * answer has neither (an input may hold a numbered list), and only where the number changes
 * (rulm's format repeats it on each field: "3. Instruction:", "3. Input:").
 */
function splitFragments(lines: string[]): Fragment[] {
  const hasSeparators = lines.some((line) => SEPARATOR.test(line));
  const hasNamedHeaders = lines.some((line) => NAMED_HEADER.test(line));
  const byNumber = !hasSeparators && !hasNamedHeaders;
  const fragments: Fragment[] = [{ lines: [], headed: false }];
  let number: string | null = null;
  for (const line of lines) {
    if (SEPARATOR.test(line)) {
      fragments.push({ lines: [], headed: true });
      continue;
    }
    const named = NAMED_HEADER.exec(line);
    const numbered = byNumber && !named ? NUMBERED_HEADER.exec(line) : null;
    const header = named ?? numbered;
    if (header) {
      const current = fragments.at(-1)!;
      const startsNew = named ? current.lines.some((l) => l.trim() !== "") : header[1] !== number;
      if (startsNew) fragments.push({ lines: [], headed: true });
      else current.headed = true;
      number = header[1]!;
      fragments.at(-1)!.lines.push(header[2] ?? "");
      continue;
    }
    fragments.at(-1)!.lines.push(line);
  }
  return fragments;
}

/** The fields of one task's text. */
function readFragment(fragment: Fragment) {
  const fields: Partial<Record<FieldKind, string[]>> = {};
  const leading: string[] = [];
  let current: string[] = leading;
  let labelled = false;
  const lines = withoutLeadingNumber(fragment.lines);
  for (const line of lines) {
    const label = FIELD_LABEL.exec(line);
    const kind = label ? FIELD_OF_LABEL[label[1]!.toLowerCase()] : undefined;
    if (label && kind) {
      labelled = true;
      // A repeated field (rulm repeats the number, not the label) continues the first one.
      current = fields[kind] ??= [];
      current.push(label[2] ?? "");
    } else current.push(line);
  }
  const instructionLines = fields.instruction ?? leading;
  const instruction = cleanInstruction(instructionLines.join(" "));
  const input = cleanInput((fields.input ?? []).join("\n"));
  const hasText = lines.some((line) => line.trim() !== "");
  return { instruction, input, labelled, headed: fragment.headed, hasText };
}

/** A task after "###" may still be numbered ("2. Напиши…"): the number is not part of it. */
function withoutLeadingNumber(lines: readonly string[]): string[] {
  const first = lines.findIndex((line) => line.trim() !== "");
  const line = lines[first];
  if (line === undefined || FIELD_LABEL.test(line)) return [...lines];
  const numbered = NUMBERED_HEADER.exec(line);
  return numbered ? lines.map((l, index) => (index === first ? (numbered[2] ?? "") : l)) : [...lines];
}

function cleanInstruction(text: string): string {
  return stripBold(text.replace(/\s+/g, " ").trim());
}

function cleanInput(text: string): string {
  const trimmed = stripBold(
    text
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .trim(),
  );
  return isNoInput(trimmed) ? "" : trimmed;
}

/** Markdown bold around a whole field ("**Напиши…**"). */
function stripBold(text: string): string {
  const match = /^\*\*([\s\S]*)\*\*$/.exec(text);
  return match ? match[1]!.trim() : text;
}
