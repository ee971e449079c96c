// All-zero chunks are never stored: the ingest skips them and the export makes them up. Both use
// one zero buffer, so that a sparse terabyte costs no allocation per chunk.
import { CHUNK_SIZE } from "./manifest.js";

/** Zeros for reading only: it is shared, so whoever receives a slice of it must not write into it. */
const ZEROS = Buffer.alloc(CHUNK_SIZE);

/** `length` zero bytes (a shared buffer's view up to CHUNK_SIZE, a fresh one past it). */
export function zeros(length: number): Buffer {
  return length <= ZEROS.length ? ZEROS.subarray(0, length) : Buffer.alloc(length);
}

/** Whether every byte of `data` is zero; a memcmp against the zero buffer. */
export function isAllZero(data: Buffer): boolean {
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const part = data.subarray(at, at + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}
