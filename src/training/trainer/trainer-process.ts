// Runs the Python LoRA trainer (train.py next to this file in src/training/trainer) as a child
// process: training prints one JSON line per step, --eval and --greedy one JSON line per item.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Python the trainer runs on when none is given: `SAIGA_PYTHON`, else `python3` from PATH. */
export function defaultPython(): string {
  return process.env.SAIGA_PYTHON || "python3";
}

/**
 * Path of train.py. It is not compiled, so from dist/ it is found in the package's src/ tree.
 * @throws {Error} when neither place has it
 */
export function trainerScriptPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, "train.py"),
    path.resolve(here, "..", "..", "..", "src", "training", "trainer", "train.py"),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error(`the trainer script train.py was not found (looked in ${candidates.join(", ")})`);
  return found;
}

/** The PyTorch version `python` imports, or null when it cannot import torch (or does not run). */
export function pythonTorchVersion(python: string = defaultPython()): string | null {
  const run = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (run.status !== 0 || typeof run.stdout !== "string") return null;
  return run.stdout.trim() || null;
}

/** Options of {@link runTrainer}. */
export interface RunTrainerOptions {
  /** Python executable. Default: {@link defaultPython}. */
  readonly python?: string;
  /** Called with every JSON line the trainer prints, as it prints it. */
  readonly onLine?: (line: Record<string, unknown>) => void;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
}

/** What a trainer run printed. */
export interface TrainerRun {
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  /** The JSON lines of stdout, in order. */
  readonly lines: Record<string, unknown>[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs train.py with `args` (e.g. `--model M --data D --out DIR`) and collects its output. */
export function runTrainer(args: readonly string[], options: RunTrainerOptions = {}): Promise<TrainerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.python ?? defaultPython(), [trainerScriptPath(), ...args], {
      env: { ...process.env, ...options.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      signal: options.signal,
    });
    const lines: Record<string, unknown>[] = [];
    let stdout = "";
    let stderr = "";
    let pending = "";
    const take = (text: string): void => {
      const trimmed = text.trim();
      if (!trimmed.startsWith("{")) return;
      try {
        const line = JSON.parse(trimmed) as Record<string, unknown>;
        lines.push(line);
        options.onLine?.(line);
      } catch {
        // Not a JSON line: kept in stdout only.
      }
    };
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (pending) take(pending);
      resolve({ code, lines, stdout, stderr });
    });
  });
}
