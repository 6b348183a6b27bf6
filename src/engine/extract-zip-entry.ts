// Copies one file out of a zip archive (a Python wheel is one), hashing it on the way. Only what
// wheels use is read: stored or deflated entries, no zip64, no encryption; anything else is a
// clear error rather than a wrong file.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";

/** What {@link extractZipEntry} wrote. */
export interface ExtractedZipEntry {
  /** Bytes written. */
  size: number;
  /** SHA-256 of the bytes written, lower-case hex. */
  sha256: string;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65535 bytes. */
const END_RECORD_SEARCH = 22 + 0xffff;

interface ZipEntry {
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  flags: number;
}

/**
 * Writes the entry `entryName` of the zip file `zipPath` to `outPath` and returns its size and
 * SHA-256. Throws when the archive has no such entry or stores it in a way this reader does not handle.
 */
export async function extractZipEntry(
  zipPath: string,
  entryName: string,
  outPath: string,
): Promise<ExtractedZipEntry> {
  const entry = await findEntry(zipPath, entryName);
  if (entry.flags & 0x1) throw new Error(`${zipPath}: ${entryName} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new Error(
      `${zipPath}: ${entryName} uses zip compression method ${entry.method} (only stored and deflate are read)`,
    );
  }
  const dataStart = await localDataStart(zipPath, entry.localHeaderOffset);
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = createReadStream(zipPath, {
    start: dataStart,
    // `end` is inclusive; an empty entry reads nothing.
    end: dataStart + entry.compressedSize - 1,
  });
  const stages = entry.method === 8 ? [source, createInflateRaw(), tap] : [source, tap];
  await pipeline([...stages, createWriteStream(outPath)]);
  if (size !== entry.size) {
    throw new Error(`${zipPath}: ${entryName} unpacked to ${size} bytes, the archive says ${entry.size}`);
  }
  return { size, sha256: hash.digest("hex") };
}

/** Reads the central directory and returns the entry named `entryName`. */
async function findEntry(zipPath: string, entryName: string): Promise<ZipEntry> {
  const file = await open(zipPath, "r");
  try {
    const { size: fileSize } = await file.stat();
    const tailLength = Math.min(fileSize, END_RECORD_SEARCH);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, fileSize - tailLength);
    let end = -1;
    for (let at = tailLength - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
        end = at;
        break;
      }
    }
    if (end < 0) throw new Error(`${zipPath} is not a zip archive (no end of central directory)`);
    const directorySize = tail.readUInt32LE(end + 12);
    const directoryOffset = tail.readUInt32LE(end + 16);
    if (directoryOffset === 0xffffffff) throw new Error(`${zipPath} is a zip64 archive, which is not read`);
    const directory = Buffer.alloc(directorySize);
    await file.read(directory, 0, directorySize, directoryOffset);
    for (let at = 0; at + 46 <= directory.length;) {
      if (directory.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) {
        throw new Error(`${zipPath}: damaged central directory`);
      }
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
      if (name === entryName) {
        const entry: ZipEntry = {
          flags: directory.readUInt16LE(at + 8),
          method: directory.readUInt16LE(at + 10),
          compressedSize: directory.readUInt32LE(at + 20),
          size: directory.readUInt32LE(at + 24),
          localHeaderOffset: directory.readUInt32LE(at + 42),
        };
        if ([entry.compressedSize, entry.size, entry.localHeaderOffset].includes(0xffffffff)) {
          throw new Error(`${zipPath}: ${entryName} is a zip64 entry, which is not read`);
        }
        return entry;
      }
      at += 46 + nameLength + extraLength + commentLength;
    }
    throw new Error(`${zipPath} has no ${entryName}`);
  } finally {
    await file.close();
  }
}

/** The offset of an entry's data: after its local header, whose name and extra field may differ from the directory's. */
async function localDataStart(zipPath: string, headerOffset: number): Promise<number> {
  const file = await open(zipPath, "r");
  try {
    const header = Buffer.alloc(30);
    await file.read(header, 0, 30, headerOffset);
    if (header.readUInt32LE(0) !== LOCAL_FILE_HEADER)
      throw new Error(`${zipPath}: damaged local file header`);
    return headerOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await file.close();
  }
}
