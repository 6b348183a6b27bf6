// One llama.cpp runtime (node-llama-cpp's Llama) per process and GPU setting: loading the
// bindings takes about a second, and every model and context of the process can share it.
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import type { Logger } from "../log/index.js";

/** The `model.gpu` setting. */
export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "cpu";

const runtimes = new Map<GpuSetting, Promise<Llama>>();

/** Returns the shared runtime for `gpu`; llama.cpp's own log lines go to `log` at debug level (warnings as warnings). */
export function getLlamaRuntime(gpu: GpuSetting, log?: Logger): Promise<Llama> {
  let runtime = runtimes.get(gpu);
  if (!runtime) {
    runtime = getLlama({
      gpu: gpu === "cpu" ? false : gpu,
      // Never compile llama.cpp at run time: the prebuilt binaries from npm cover CPU, CUDA and Vulkan.
      build: "never",
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trimEnd();
        if (!log || text === "") return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log.error({ llama: true }, text);
        else if (level === LlamaLogLevel.warn) log.warn({ llama: true }, text);
        else log.debug({ llama: true }, text);
      },
    });
    runtimes.set(gpu, runtime);
    runtime.catch(() => runtimes.delete(gpu));
  }
  return runtime;
}
