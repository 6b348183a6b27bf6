// One llama.cpp runtime (node-llama-cpp's Llama) per process, GPU setting and build: loading the
// bindings takes about a second, and every model and context of the process can share it.
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import type { Logger } from "../log/index.js";

/** The `model.gpu` setting. */
export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "cpu";

/**
 * The `model.llamaBuild` setting. `native`: the llama.cpp build that `npm ci` compiled for this
 * CPU (scripts/build-native-llama.js), when there is one, else the prebuilt binaries; `prebuilt`:
 * always node-llama-cpp's prebuilt, portable binaries.
 */
export type LlamaBuildSetting = "native" | "prebuilt";

/**
 * node-llama-cpp loads a local build whose CMake options match the ones asked for before any
 * prebuilt binary. No local build is ever made with this option, so asking for it skips them.
 */
const SKIP_LOCAL_BUILDS = { SAIGA_PREBUILT_ONLY: "ON" };

const runtimes = new Map<string, Promise<Llama>>();

/** Returns the shared runtime for `gpu`; llama.cpp's own log lines go to `log` at debug level (warnings as warnings). */
export function getLlamaRuntime(
  gpu: GpuSetting,
  log?: Logger,
  build: LlamaBuildSetting = "native",
): Promise<Llama> {
  const key = `${gpu}|${build}`;
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = getLlama({
      gpu: gpu === "cpu" ? false : gpu,
      // Never compile llama.cpp at run time: `npm ci` builds the native CPU binary once, and the
      // prebuilt binaries from npm cover CPU, CUDA and Vulkan.
      build: "never",
      cmakeOptions: build === "prebuilt" ? SKIP_LOCAL_BUILDS : undefined,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trimEnd();
        if (!log || text === "") return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log.error({ llama: true }, text);
        else if (level === LlamaLogLevel.warn) log.warn({ llama: true }, text);
        else log.debug({ llama: true }, text);
      },
    });
    runtimes.set(key, runtime);
    runtime.catch(() => runtimes.delete(key));
  }
  return runtime;
}
