// The trainer's llama.cpp emulation kernel by kernel against the ggml-cpu builds node-llama-cpp
// ships (haswell, alderlake, skylakex, icelake, zen4, sapphirerapids: every one this CPU can run),
// called directly: the dot products of every quant type with activations the build quantizes
// itself, and of float rows of many lengths, must be equal bit for bit. This reaches the AVX2
// builds on an AVX-512 machine, which the end-to-end parity test cannot.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pythonTorchVersion } from "../src/training/trainer/trainer-process.js";

const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const ROOT = path.resolve(import.meta.dirname, "..");

/** node-llama-cpp's prebuilt x64 Linux binaries, or null elsewhere. */
function binsDir(): string | null {
  try {
    // The package's entry is dist/index.js; its binaries lie in bins/linux-x64 beside dist/.
    const entry = createRequire(import.meta.url).resolve("@node-llama-cpp/linux-x64");
    const dir = path.join(path.dirname(entry), "..", "bins", "linux-x64");
    return existsSync(path.join(dir, "libggml-base.so")) ? dir : null;
  } catch {
    return null;
  }
}

const BINS = binsDir();
const SKIP_NOTE = !TORCH
  ? ` (skipped: ${PYTHON} cannot import torch)`
  : !BINS
    ? " (skipped: no x64 Linux ggml-cpu builds here)"
    : "";

interface KernelLine {
  readonly build: string;
  readonly kernel: string;
  readonly outputs: number;
  readonly mismatches: number;
}

describe.skipIf(!TORCH || !BINS)(`trainer kernels vs node-llama-cpp's ggml-cpu builds${SKIP_NOTE}`, () => {
  it("every quant type's vec_dot and the float dots equal ggml's bit for bit", () => {
    const script = path.join(ROOT, "tests", "helpers", "ggml_kernel_check.py");
    const run = spawnSync(PYTHON, [script, BINS ?? "", path.join(ROOT, "src", "training", "trainer")], {
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as KernelLine);
    // At least the build the CPU backend loader would pick here runs, with all twelve kernels.
    expect(lines.length).toBeGreaterThanOrEqual(12);
    const kernels = new Set(lines.map((l) => l.kernel));
    expect(kernels.size).toBe(12);
    for (const line of lines) {
      expect(line.outputs, `${line.build} ${line.kernel}`).toBeGreaterThan(0);
      expect(line.mismatches, `${line.build} ${line.kernel}`).toBe(0);
    }
  });
});
