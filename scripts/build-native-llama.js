#!/usr/bin/env node
// `npm ci` / `npm install` run this (postinstall): it compiles llama.cpp for this machine's CPU
// from the source node-llama-cpp ships (no network needed), so that the engine runs a native
// build (-march=native, OpenMP threads) instead of the prebuilt portable one, which decodes and
// batches about half as fast on CPUs (docs/BENCHMARKS.md, "Where the time went").
// Without cmake, make or a C++ compiler, or with SAIGA_MODEL_LLAMA_BUILD=prebuilt, it builds nothing,
// and the engine falls back to node-llama-cpp's prebuilt binaries. A failed build never fails
// the install. Run it again with `npm run build:llama`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "node_modules/node-llama-cpp/dist/cli/cli.js");
const say = (message) => console.error(`saiga: ${message}`);

function has(command) {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

// -march=native turns on AMX where the CPU reports it, and llama.cpp's AMX kernels then die with
// SIGILL on quantized models (seen on a Sapphire Rapids VM: `tilezero` in tinygemm_kernel_amx,
// Q4_1), where the prebuilt binaries pick a safe path. So the native build leaves AMX out. The
// flags ride on CC/CXX (CMake keeps them as the compiler's first arguments): cmake-js replaces
// CXXFLAGS, and CMake options would change the build folder name the runtime looks for.
const NO_AMX = process.arch === "x64" ? " -mno-amx-tile -mno-amx-int8 -mno-amx-bf16" : "";

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        CC: (process.env.CC ?? "cc") + NO_AMX,
        CXX: (process.env.CXX ?? "c++") + NO_AMX,
      },
    });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  });
}

async function main() {
  const setting = (process.env.SAIGA_MODEL_LLAMA_BUILD ?? "native").toLowerCase();
  if (setting === "prebuilt") {
    say("SAIGA_MODEL_LLAMA_BUILD=prebuilt: using node-llama-cpp's prebuilt llama.cpp binaries.");
    return;
  }
  if (setting !== "native") {
    say(`SAIGA_MODEL_LLAMA_BUILD must be native or prebuilt, not "${setting}"; using the prebuilt binaries.`);
    return;
  }
  if (!existsSync(cli)) {
    say("node-llama-cpp is not installed; nothing to build.");
    return;
  }
  const built = path.join(
    root,
    "node_modules/node-llama-cpp/llama/localBuilds",
    `${process.platform}-${process.arch}`,
    "Release/llama-addon.node",
  );
  if (existsSync(built) && !process.argv.includes("--force")) {
    say("the native llama.cpp build is already there (`npm run build:llama` builds it again).");
    return;
  }
  const compiler = (process.env.CXX ?? "c++").split(" ")[0];
  const missing = ["cmake", has("ninja") ? "ninja" : "make", compiler].filter((tool) => !has(tool));
  if (missing.length > 0) {
    say(
      `no ${missing.join(", ")} on this machine: using node-llama-cpp's prebuilt llama.cpp binaries ` +
        "(slower on CPUs; install cmake, make and g++ and run `npm run build:llama` for a native build).",
    );
    return;
  }
  say(
    "building llama.cpp for this CPU (a few minutes, once per install; SAIGA_MODEL_LLAMA_BUILD=prebuilt skips it)",
  );
  const ok =
    (await run(["source", "download", "--skipBuild"])) &&
    (await run(["source", "build", "--gpu", "false", "--noUsageExample"]));
  if (!ok) say("the native llama.cpp build failed: using the prebuilt binaries instead.");
}

await main();
