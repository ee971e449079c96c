// SHA-256 digests as the chunk stores name their contents: 64 lower-case hex characters.
import { createHash } from "node:crypto";
import { ChunkCorruptError } from "../ports/chunk-store.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** `data` when its SHA-256 is `digest`; else the store `store` holds (or was handed) a corrupt chunk. */
export function verifiedChunk(store: string, digest: string, data: Buffer): Buffer {
  if (sha256Hex(data) !== digest) throw new ChunkCorruptError(store, digest);
  return data;
}

/** `digest` when it is one; a name that could be anything else (a path, a blob name) is refused. */
export function checkedDigest(digest: string): string {
  if (!isSha256Hex(digest)) throw new RangeError(`not a SHA-256 digest: ${JSON.stringify(digest)}`);
  return digest;
}

/** The SHA-256 of a stream's bytes, read as they come (a stored copy checked without holding it). */
export async function sha256HexOf(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const hash = createHash("sha256");
  for await (const piece of stream) hash.update(piece);
  return hash.digest("hex");
}
