#!/usr/bin/env node
// The `saiga` command. The TypeScript sources are compiled to dist/ by `npm run build`, which
// `npm ci` / `npm install` run through the `prepare` script.
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
