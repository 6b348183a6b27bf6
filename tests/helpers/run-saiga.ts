// Runs the real `saiga` command (bin/saiga.js → dist/, built by `npm test`) as a child process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/saiga.js", import.meta.url));

export interface SaigaRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `saiga ...args` with `env` added to a clean environment (no SAIGA_ or well-known variables leak in). */
export function runSaiga(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<SaigaRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith("SAIGA_") &&
        !["BOT_TOKEN", "MODEL", "REDIS_URL", "ADMIN_IDS", "LOG_LEVEL", "TELEGRAM_API_ROOT"].includes(key),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PROJECT_ROOT,
      // A free ops port: parallel test processes must not collide on 9464.
      env: { ...base, SAIGA_DATA_DIR: TEST_DATA_DIR, SAIGA_OPS_PORT: "0", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Data directory shared by the test runs (the demo model is made there once). */
export const TEST_DATA_DIR = fileURLToPath(new URL("../../data/test", import.meta.url));
