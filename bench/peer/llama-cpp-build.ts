// Builds llama.cpp's own tools (llama-server, llama-batched-bench) from the source node-llama-cpp
// ships (llama/gitRelease.bundle: no network needed), once per llama.cpp version, into
// data/bench/peer/<tag>/. A native build (-march=native, OpenMP), as llama.cpp's docs build it.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../bench-report.js";

const NODE_LLAMA_CPP_LLAMA = path.join(PROJECT_ROOT, "node_modules/node-llama-cpp/llama");
const TARGETS = ["llama-server", "llama-batched-bench"] as const;

/** Where the tools of one build are. */
export interface LlamaCppTools {
  tag: string;
  binDir: string;
  llamaServer: string;
  batchedBench: string;
}

/** The llama.cpp release node-llama-cpp bundles (`v0.4.0`…). */
export function bundledLlamaCppTag(): string {
  const info = JSON.parse(readFileSync(path.join(NODE_LLAMA_CPP_LLAMA, "llama.cpp.info.json"), "utf8")) as {
    tag: string;
  };
  return info.tag;
}

/** Builds the tools unless the cache has them; logs the build's output to `<dir>/build.log`. */
export async function ensureLlamaCppTools(
  log: (line: string) => void = console.error,
): Promise<LlamaCppTools> {
  const tag = bundledLlamaCppTag();
  const dir = path.join(PROJECT_ROOT, "data/bench/peer", tag);
  const binDir = path.join(dir, "build/bin");
  const tools: LlamaCppTools = {
    tag,
    binDir,
    llamaServer: path.join(binDir, "llama-server"),
    batchedBench: path.join(binDir, "llama-batched-bench"),
  };
  const stamp = path.join(dir, "built.json");
  if (existsSync(stamp) && existsSync(tools.llamaServer) && existsSync(tools.batchedBench)) return tools;

  for (const tool of ["git", "cmake", "c++"]) {
    if (!(await succeeds(tool, ["--version"])))
      throw new Error(
        `bench:peer needs ${tool} to build llama.cpp's server (apt-get install git cmake g++).`,
      );
  }
  const source = path.join(dir, "src");
  if (!existsSync(path.join(source, "CMakeLists.txt"))) {
    await rm(source, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    log(`bench:peer: cloning llama.cpp ${tag} from node-llama-cpp's bundle`);
    await run("git", ["clone", "-q", path.join(NODE_LLAMA_CPP_LLAMA, "gitRelease.bundle"), source], dir);
  }
  const started = performance.now();
  log(`bench:peer: building llama-server ${tag} (native, about 10 minutes on 2 cores; once per version)`);
  await run(
    "cmake",
    [
      "-S",
      source,
      "-B",
      path.join(dir, "build"),
      "-DCMAKE_BUILD_TYPE=Release",
      "-DGGML_NATIVE=ON",
      "-DLLAMA_CURL=OFF",
      "-DLLAMA_OPENSSL=OFF",
      "-DLLAMA_BUILD_TESTS=OFF",
      "-DLLAMA_BUILD_EXAMPLES=OFF",
    ],
    dir,
  );
  await run(
    "cmake",
    ["--build", path.join(dir, "build"), "-j", String(availableParallelism()), "--target", ...TARGETS],
    dir,
  );
  await writeFile(
    stamp,
    JSON.stringify({ tag, builtAt: new Date().toISOString(), seconds: (performance.now() - started) / 1000 }),
  );
  return tools;
}

function run(command: string, args: string[], dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${stderr}`)),
    );
  });
}

function succeeds(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  });
}
