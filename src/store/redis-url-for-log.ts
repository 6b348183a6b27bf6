// Makes a Redis URL safe to log: REDIS_URL usually carries the password (redis://:secret@host).

/**
 * Returns `url` with its password (and, for `user:pass@`, only the password) replaced by `***`.
 * Text that is not a URL is reduced to what surely holds no secret.
 *
 * @example redisUrlForLog("redis://:s3cret@10.0.0.5:6379/0") // "redis://:***@10.0.0.5:6379/0"
 */
export function redisUrlForLog(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable: drop everything up to the last "@", where credentials would be.
    const at = url.lastIndexOf("@");
    return at === -1 ? url : `***@${url.slice(at + 1)}`;
  }
  if (parsed.password !== "") parsed.password = "***";
  // ioredis also reads a password from ?password=…
  if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
  return parsed.toString();
}
