// The journal of a direct upload: what each page write and clear did, in the order they were
// acknowledged, so that an upload survives a restart. Three kinds of record:
// - WRITE (offset, length): bytes written to the staging file at that range;
// - CLEAR (offset, length): the range is zeros again;
// - CHUNK (index, digest): a whole chunk arrived in one page write and went straight into the
//   region's chunk store under that digest; the staging file does not hold it.
// A chunk is either in the store (CHUNK) or in the staging file, never both: a WRITE or CLEAR
// that touches part of a stored chunk is preceded by a WRITE of the whole chunk's bytes into the
// staging file (upload-staging.ts), so replaying the records in order rebuilds the upload.
import type { Extent } from "./disk-image.js";
import { CHUNK_SIZE } from "./manifest.js";

const WRITE = 1;
const CLEAR = 2;
const CHUNK = 3;
/** Kind, then offset and length as big-endian uint64. */
const RANGE_RECORD = 17;
/** Kind, chunk index as big-endian uint64, the 32 bytes of the SHA-256. */
const CHUNK_RECORD = 41;

export function writeRecord(offset: number, length: number): Buffer {
  return rangeRecord(WRITE, offset, length);
}

export function clearRecord(offset: number, length: number): Buffer {
  return rangeRecord(CLEAR, offset, length);
}

export function chunkRecord(index: number, digest: string): Buffer {
  const buffer = Buffer.alloc(CHUNK_RECORD);
  buffer.writeUInt8(CHUNK, 0);
  buffer.writeBigUInt64BE(BigInt(index), 1);
  buffer.write(digest, 9, "hex");
  return buffer;
}

function rangeRecord(kind: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(RANGE_RECORD);
  buffer.writeUInt8(kind, 0);
  buffer.writeBigUInt64BE(BigInt(offset), 1);
  buffer.writeBigUInt64BE(BigInt(length), 9);
  return buffer;
}

/** What an upload holds: ranges of the staging file, and whole chunks in the store. */
export class UploadState {
  /** Ascending, merged ranges written to the staging file and not cleared since. */
  ranges: Array<[number, number]> = [];
  /** Chunk index to digest: chunks in the store, not in the staging file. */
  readonly chunks = new Map<number, string>();

  write(offset: number, length: number): void {
    this.forgetChunks(offset, offset + length);
    this.ranges = addRange(this.ranges, offset, offset + length);
  }

  clear(offset: number, length: number): void {
    this.forgetChunks(offset, offset + length);
    this.ranges = subtractRange(this.ranges, offset, offset + length);
  }

  chunk(index: number, digest: string): void {
    this.ranges = subtractRange(this.ranges, index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE);
    this.chunks.set(index, digest);
  }

  extents(): Extent[] {
    return this.ranges.map(([start, end]) => ({ offset: start, length: end - start }));
  }

  /** Stored chunks overlapping [start, end) are replaced by what the record says. */
  private forgetChunks(start: number, end: number): void {
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    if (last - first < this.chunks.size) {
      for (let index = first; index <= last; index++) this.chunks.delete(index);
    } else {
      for (const index of this.chunks.keys()) if (index >= first && index <= last) this.chunks.delete(index);
    }
  }
}

/** Applies the journal's records in order. A torn last record (a crash while appending) is ignored. */
export function replay(journal: Buffer): UploadState {
  const state = new UploadState();
  for (let at = 0; at < journal.length; ) {
    const kind = journal.readUInt8(at);
    const length = kind === CHUNK ? CHUNK_RECORD : RANGE_RECORD;
    if (at + length > journal.length) break;
    const first = Number(journal.readBigUInt64BE(at + 1));
    if (kind === CHUNK) state.chunk(first, journal.toString("hex", at + 9, at + CHUNK_RECORD));
    else if (kind === WRITE) state.write(first, Number(journal.readBigUInt64BE(at + 9)));
    else if (kind === CLEAR) state.clear(first, Number(journal.readBigUInt64BE(at + 9)));
    else throw new Error(`upload journal: unknown record kind ${kind} at byte ${at}`);
    at += length;
  }
  return state;
}

function addRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let merged: [number, number] = [start, end];
  for (const range of ranges) {
    if (range[1] < merged[0] || range[0] > merged[1]) out.push(range);
    else merged = [Math.min(range[0], merged[0]), Math.max(range[1], merged[1])];
  }
  out.push(merged);
  return out.sort((a, b) => a[0] - b[0]);
}

function subtractRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of ranges) {
    if (b <= start || a >= end) out.push([a, b]);
    else {
      if (a < start) out.push([a, start]);
      if (b > end) out.push([end, b]);
    }
  }
  return out;
}
