// sha256 of a (possibly multi-gigabyte) file, streamed, remembered per path, size and mtime in a
// small JSON cache so that a model is hashed once, not at every start.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

type Cache = Record<string, { size: number; mtimeMs: number; sha256: string }>;

/** Hex sha256 of the file; `cacheFile` (optional) keeps results between runs. */
export async function fileSha256(file: string, cacheFile?: string): Promise<string> {
  const absolute = path.resolve(file);
  const info = await stat(absolute);
  const cache: Cache = cacheFile ? await readCache(cacheFile) : {};
  const known = cache[absolute];
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.sha256;
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer);
  const sha256 = hash.digest("hex");
  if (cacheFile) {
    cache[absolute] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
    await mkdir(path.dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(cache, null, 2));
    await rename(temp, cacheFile);
  }
  return sha256;
}

async function readCache(cacheFile: string): Promise<Cache> {
  try {
    return JSON.parse(await readFile(cacheFile, "utf8")) as Cache;
  } catch {
    return {}; // missing or damaged: hash again
  }
}
