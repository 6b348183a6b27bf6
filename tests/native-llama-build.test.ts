// The native llama.cpp build of `npm ci` (scripts/build-native-llama.js) and its fallback: without
// a compiler, or with SAIGA_MODEL_LLAMA_BUILD=prebuilt, the install still succeeds and the engine
// runs node-llama-cpp's prebuilt binaries. CI installs with SAIGA_MODEL_LLAMA_BUILD=prebuilt (the
// build takes ~9 minutes on 2 cores), so the build itself is exercised by `npm run build:llama`
// and bench:peer, not here.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, runSaiga } from "./helpers/run-saiga.js";

const SCRIPT = path.join(PROJECT_ROOT, "scripts/build-native-llama.js");
const LOCAL_BUILDS = path.join(PROJECT_ROOT, "node_modules/node-llama-cpp/llama/localBuilds");
const NATIVE_ADDON = path.join(
  LOCAL_BUILDS,
  `${process.platform}-${process.arch}`,
  "Release/llama-addon.node",
);

const temporary: string[] = [];
afterAll(() => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Runs the install script with `env` over a PATH that holds only `node` (no cmake, make or compiler). */
async function installWithoutCompiler(env: Record<string, string> = {}) {
  const bin = await mkdtemp(path.join(os.tmpdir(), "saiga-no-compiler-"));
  temporary.push(bin);
  await symlink(process.execPath, path.join(bin, "node"));
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, "--force"], {
      cwd: PROJECT_ROOT,
      env: { PATH: bin, HOME: os.tmpdir(), ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

const listBuilds = async () => (existsSync(LOCAL_BUILDS) ? (await readdir(LOCAL_BUILDS)).sort() : []);

async function engineOf(env: Record<string, string>) {
  const run = await runSaiga(
    ["chat", "--once", "Привет", "--json", "--max-tokens", "8", "--temperature", "0"],
    env,
  );
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { text: string; engine: { binary: string } };
}

describe("native llama.cpp build at install", () => {
  it("without cmake, make or a compiler, the install succeeds, says why, and builds nothing", async () => {
    const before = await listBuilds();
    const run = await installWithoutCompiler();
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/no cmake, make, c\+\+ on this machine: using node-llama-cpp's prebuilt/);
    expect(await listBuilds()).toEqual(before);
  });

  it("SAIGA_MODEL_LLAMA_BUILD=prebuilt skips the build; another value is refused with the choices", async () => {
    const skipped = await installWithoutCompiler({ SAIGA_MODEL_LLAMA_BUILD: "prebuilt" });
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain("SAIGA_MODEL_LLAMA_BUILD=prebuilt: using node-llama-cpp's prebuilt");
    const wrong = await installWithoutCompiler({ SAIGA_MODEL_LLAMA_BUILD: "fast" });
    expect(wrong.code).toBe(0);
    expect(wrong.stderr).toContain('must be native or prebuilt, not "fast"');
  });

  it("the engine answers on the prebuilt binaries when asked, and on the native build when there is one", async () => {
    const prebuilt = await engineOf({ MODEL: "demo", SAIGA_MODEL_LLAMA_BUILD: "prebuilt" });
    expect(prebuilt.engine.binary).toBe("prebuilt");
    expect(prebuilt.text.length).toBeGreaterThan(0);
    const native = await engineOf({ MODEL: "demo" });
    expect(native.engine.binary).toBe(existsSync(NATIVE_ADDON) ? "native" : "prebuilt");
    expect(native.text.length).toBeGreaterThan(0);
  }, 120_000);
});
