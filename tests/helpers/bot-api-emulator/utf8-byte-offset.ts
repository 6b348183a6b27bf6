// Telegram's parse errors name positions as UTF-8 byte offsets into the text the bot sent.

/** The UTF-8 byte offset of the UTF-16 position `index` in `text`. */
export function utf8ByteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), "utf8");
}
