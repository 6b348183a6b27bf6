#!/usr/bin/env node
// The `saiga` command. The TypeScript sources are compiled to dist/ by `npm run build`, which
// `npm ci` / `npm install` run through the `prepare` script.
// llama.cpp's decodes and samplings run on libuv's thread pool (node-llama-cpp's async workers).
// With the default 4 pool threads, consecutive decodes of one context hop between threads, and a
// batch of 15 sequences decodes 1.3–1.7× slower than with one pool thread, which keeps every
// decode on the same thread, as llama-server does (docs/BENCHMARKS.md, "Where the time went").
// Set before anything uses the pool; an explicit UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= "1";
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist")) {
    console.error("saiga: not built yet. Run `npm ci` (or `npm run build`) in the project directory first.");
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.runCli(process.argv.slice(2));
