// A DiskImage held in memory, for the blob pipeline's tests: the disk's bytes plus the extents a
// format reader would report, and a log of every read so that tests can see what was read.
import type { DiskFormat, DiskImage, Extent } from "../../src/blob/disk-image.js";

export interface MemoryDisk extends DiskImage {
  /** Every read(), in the order made. */
  readonly reads: Extent[];
  /** Reads running right now, and the most there ever were at once. */
  readonly inFlight: { now: number; max: number };
}

/**
 * A disk of `bytes` whose possibly non-zero ranges are `extents` (default: the whole disk). Throws
 * if a non-zero byte lies outside them, which would be a broken test, not a broken ingest.
 */
export function memoryDisk(bytes: Buffer, extents: Extent[] = bytes.length ? [{ offset: 0, length: bytes.length }] : [], format: DiskFormat = "raw"): MemoryDisk {
  let covered = 0;
  for (const { offset, length } of extents) {
    if (offset < covered || offset + length > bytes.length) throw new RangeError(`extent [${offset}, +${length}) is out of order or bounds`);
    if (bytes.subarray(covered, offset).some((byte) => byte !== 0)) throw new RangeError(`non-zero bytes before extent [${offset}, +${length})`);
    covered = offset + length;
  }
  if (bytes.subarray(covered).some((byte) => byte !== 0)) throw new RangeError(`non-zero bytes after the last extent`);

  const reads: Extent[] = [];
  const inFlight = { now: 0, max: 0 };
  return {
    format,
    virtualSize: bytes.length,
    reads,
    inFlight,
    async *extents() {
      for (const { offset, length } of extents) yield { offset, length };
    },
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) throw new RangeError(`read [${offset}, +${length}) past the disk`);
      reads.push({ offset, length });
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      try {
        // A turn of the event loop, so that concurrent reads overlap as they would on a real disk.
        await new Promise((resolve) => setImmediate(resolve));
        return Buffer.from(bytes.subarray(offset, offset + length));
      } finally {
        inFlight.now -= 1;
      }
    },
    async close() {},
  };
}
