// A disk's manifest: its virtual size and the digests of its non-zero fixed-size chunks, and the
// one canonical binary encoding of it. The manifest is stored in the chunk store under the
// SHA-256 of that encoding, which is the disk's content digest (docs/content-digest.md): the
// same bytes always give the same encoding, so the same disk always has the same digest.
import { isSha256Hex, sha256Hex } from "./digest.js";

/** The size of every chunk but a disk's last, which is shorter when the size is not a multiple. */
export const CHUNK_SIZE = 1 << 20;

const MAGIC = Buffer.from("VTRNMF01", "latin1");
/** Magic, size (uint64), chunk size (uint32), chunk count (uint32); all integers big-endian. */
const HEADER_BYTES = 24;
/** Index (uint32) and the 32 bytes of the SHA-256. */
const ENTRY_BYTES = 36;
const MIN_CHUNK_SIZE = 1 << 12;
const MAX_CHUNK_SIZE = 1 << 26;
const MAX_CHUNKS = 2 ** 32 - 1;

export interface ManifestChunk {
  index: number;
  /** SHA-256 of the chunk's bytes, lower-case hex. */
  digest: string;
}

export interface Manifest {
  version: 1;
  /** Virtual size of the disk in bytes. */
  size: number;
  chunkSize: number;
  /** The non-zero chunks only, by ascending index; every other chunk is zeros. */
  chunks: ManifestChunk[];
  /** Sum of the listed chunks' lengths: the disk's non-zero bytes, what it is billed for. Not encoded: derived. */
  occupiedBytes: number;
}

/** A manifest that breaks a rule of the format: refused when encoding (a bug) and when decoding (damage). */
export class InvalidManifestError extends Error {
  constructor(reason: string) {
    super(`invalid manifest: ${reason}`);
    this.name = "InvalidManifestError";
  }
}

/** How many chunks a disk of `size` bytes is cut into, zero ones included. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** The length of chunk `index` of the manifest's disk. */
export function chunkLength(manifest: Pick<Manifest, "size" | "chunkSize">, index: number): number {
  const start = index * manifest.chunkSize;
  if (!Number.isSafeInteger(index) || index < 0 || start >= manifest.size) {
    throw new RangeError(`a disk of ${manifest.size} bytes has no chunk ${index}`);
  }
  return Math.min(manifest.chunkSize, manifest.size - start);
}

/** Where a manifest is stored; `sha256:` followed by it is the disk's content digest. */
export function manifestDigest(encoded: Buffer): string {
  return sha256Hex(encoded);
}

export function encodeManifest(manifest: Manifest): Buffer {
  if (manifest.version !== 1) throw new InvalidManifestError(`version ${String(manifest.version)} is not 1`);
  const occupied = checkContents(manifest.size, manifest.chunkSize, manifest.chunks);
  if (occupied !== manifest.occupiedBytes) {
    throw new InvalidManifestError(`occupiedBytes is ${manifest.occupiedBytes}, but the chunks add up to ${occupied}`);
  }
  const out = Buffer.alloc(HEADER_BYTES + manifest.chunks.length * ENTRY_BYTES);
  MAGIC.copy(out, 0);
  out.writeBigUInt64BE(BigInt(manifest.size), 8);
  out.writeUInt32BE(manifest.chunkSize, 16);
  out.writeUInt32BE(manifest.chunks.length, 20);
  let at = HEADER_BYTES;
  for (const { index, digest } of manifest.chunks) {
    out.writeUInt32BE(index, at);
    out.write(digest, at + 4, 32, "hex");
    at += ENTRY_BYTES;
  }
  return out;
}

export function decodeManifest(encoded: Buffer): Manifest {
  if (encoded.length < HEADER_BYTES || !encoded.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new InvalidManifestError(`it does not start with the ${HEADER_BYTES}-byte header of magic "VTRNMF01"`);
  }
  const size = encoded.readBigUInt64BE(8);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidManifestError(`a size of ${size} bytes is impossible`);
  const chunkSize = encoded.readUInt32BE(16);
  const count = encoded.readUInt32BE(20);
  const expected = HEADER_BYTES + count * ENTRY_BYTES;
  if (encoded.length !== expected) {
    throw new InvalidManifestError(`${count} chunks make ${expected} bytes, but it has ${encoded.length}`);
  }
  const chunks: ManifestChunk[] = [];
  for (let at = HEADER_BYTES; at < encoded.length; at += ENTRY_BYTES) {
    chunks.push({ index: encoded.readUInt32BE(at), digest: encoded.toString("hex", at + 4, at + ENTRY_BYTES) });
  }
  const occupiedBytes = checkContents(Number(size), chunkSize, chunks);
  return { version: 1, size: Number(size), chunkSize, chunks, occupiedBytes };
}

/** Throws unless the manifest's contents are canonical; returns the occupied bytes. */
function checkContents(size: number, chunkSize: number, chunks: readonly ManifestChunk[]): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidManifestError(`a size of ${size} bytes is impossible`);
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || (chunkSize & (chunkSize - 1)) !== 0) {
    throw new InvalidManifestError(`a chunk size of ${chunkSize} bytes is not a power of two from 4 KiB to 64 MiB`);
  }
  const count = chunkCount(size, chunkSize);
  if (count > MAX_CHUNKS) throw new InvalidManifestError(`${count} chunks do not fit 32-bit indexes`);
  let occupied = 0;
  let previous = -1;
  for (const { index, digest } of chunks) {
    if (!Number.isSafeInteger(index) || index <= previous || index >= count) {
      throw new InvalidManifestError(`chunk index ${index} is not ascending or not below the disk's ${count} chunks`);
    }
    if (!isSha256Hex(digest)) throw new InvalidManifestError(`chunk ${index} has no SHA-256 digest: "${digest}"`);
    const length = Math.min(chunkSize, size - index * chunkSize);
    // A zero chunk listed would give the same disk a second encoding, and a second digest.
    if (digest === zeroDigest(length)) throw new InvalidManifestError(`chunk ${index} is all zeros, which are never listed`);
    occupied += length;
    previous = index;
  }
  return occupied;
}

const zeroDigests = new Map<number, string>();

/** The digest of `length` zero bytes; cached for whole chunks, which are all but one per disk. */
function zeroDigest(length: number): string {
  const cached = zeroDigests.get(length);
  if (cached) return cached;
  const digest = sha256Hex(Buffer.alloc(length));
  if (length >= MIN_CHUNK_SIZE && (length & (length - 1)) === 0) zeroDigests.set(length, digest);
  return digest;
}
