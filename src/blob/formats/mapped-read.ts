// Reads of a virtual disk assembled from pieces of the container file and runs of zeros. The
// format readers describe a request as pieces; runs that are contiguous in the file become one
// read, so a 4 MiB chunk of a freshly converted image costs one read, not sixty-four.
import type { RangeReader } from "../disk-image.js";

/** A run of the virtual disk: where it lies in the container file, or undefined when it reads as zeros. */
export interface Piece {
  length: number;
  hostOffset: number | undefined;
}

/** Throws a RangeError unless [offset, offset + length) is a valid range of a `size`-byte disk. */
export function checkReadRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`cannot read ${length} bytes at ${offset} of a ${size}-byte disk`);
  }
}

/** Appends a piece, merging it into the previous one when both are zeros or contiguous in the file. */
export function pushPiece(pieces: Piece[], length: number, hostOffset: number | undefined): void {
  if (length <= 0) return;
  const last = pieces[pieces.length - 1];
  if (last && (last.hostOffset === undefined ? hostOffset === undefined : hostOffset === last.hostOffset + last.length)) {
    last.length += length;
  } else {
    pieces.push({ length, hostOffset });
  }
}

/** The bytes the pieces describe, in order; in `into` when given (RangeReader.read). */
export async function readPieces(reader: RangeReader, pieces: readonly Piece[], into?: Buffer): Promise<Buffer> {
  const only = pieces[0];
  if (pieces.length === 1 && only?.hostOffset !== undefined) return reader.read(only.hostOffset, only.length, into);
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const out = into ? into.subarray(0, total) : Buffer.allocUnsafe(total);
  const reads: Promise<void>[] = [];
  let at = 0;
  for (const { length, hostOffset } of pieces) {
    const place = out.subarray(at, at + length);
    if (hostOffset === undefined) place.fill(0);
    // A reader that returns a buffer of its own (a URL's body) is copied from.
    else reads.push(reader.read(hostOffset, length, place).then((bytes) => void (bytes.buffer === place.buffer && bytes.byteOffset === place.byteOffset ? undefined : bytes.copy(place))));
    at += length;
  }
  await Promise.all(reads);
  return out;
}

/**
 * A read of a disk stored in fixed-size units (qcow2 clusters, VHD blocks): `place` turns the
 * part of each unit the read covers (`within` it, `count` bytes) into pieces.
 */
export async function readByUnits(
  reader: RangeReader,
  size: number,
  unitSize: number,
  offset: number,
  length: number,
  place: (pieces: Piece[], unit: number, within: number, count: number) => Promise<void> | void,
  into?: Buffer,
): Promise<Buffer> {
  checkReadRange(offset, length, size);
  const pieces: Piece[] = [];
  for (let at = offset, end = offset + length; at < end; ) {
    const unit = Math.floor(at / unitSize);
    const within = at - unit * unitSize;
    const count = Math.min(unitSize - within, end - at);
    await place(pieces, unit, within, count);
    at += count;
  }
  return readPieces(reader, pieces, into);
}
