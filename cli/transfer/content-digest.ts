// The content digest of docs/content-digest.md, computed by the CLI from the bytes it sends or
// receives, independently of the server's code, so that a transfer is checked end to end.

import { createHash } from "node:crypto";

/** The unit of the digest; transfers cut the disk on its boundaries. */
export const DIGEST_CHUNK = 1024 * 1024;

const ZERO = Buffer.alloc(DIGEST_CHUNK);

/** Whether every byte is zero; `bytes` is at most one chunk long. */
export function isZero(bytes: Buffer): boolean {
  return bytes.equals(ZERO.subarray(0, bytes.length));
}

/**
 * Collects the SHA-256 of each non-zero chunk of a disk of `size` bytes, in any order (parallel
 * transfers finish out of order), and encodes the manifest whose hash is the digest.
 */
export class ContentDigest {
  private readonly hashes = new Map<number, Buffer>();

  constructor(readonly size: number) {}

  /** Records chunk `index` (its whole length); returns false, recording nothing, when it is all zeros. */
  add(index: number, bytes: Buffer): boolean {
    const expected = Math.min(DIGEST_CHUNK, this.size - index * DIGEST_CHUNK);
    if (bytes.length !== expected) throw new RangeError(`chunk ${index} is ${bytes.length} bytes, not ${expected}`);
    if (isZero(bytes)) return false;
    this.hashes.set(index, createHash("sha256").update(bytes).digest());
    return true;
  }

  /** `sha256:<hex>` over the manifest: magic, size, chunk size, count, then (index, hash) ascending. */
  digest(): string {
    const header = Buffer.alloc(24);
    header.write("VTRNMF01", 0, "latin1");
    header.writeBigUInt64BE(BigInt(this.size), 8);
    header.writeUInt32BE(DIGEST_CHUNK, 16);
    header.writeUInt32BE(this.hashes.size, 20);
    const manifest = createHash("sha256").update(header);
    for (const index of [...this.hashes.keys()].sort((a, b) => a - b)) {
      const entry = Buffer.alloc(4);
      entry.writeUInt32BE(index, 0);
      manifest.update(entry).update(this.hashes.get(index) as Buffer);
    }
    return `sha256:${manifest.digest("hex")}`;
  }
}
