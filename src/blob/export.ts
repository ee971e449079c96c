// Reading a disk back out of a store: a byte range, or the bytes of the whole disk (raw, or a fixed
// VHD as Azure's download URLs serve it) with HTTP Range semantics, as a stream or written to a
// destination through reused buffers (what downloads use). Chunks the manifest does not list are
// zeros and cost nothing; listed ones are verified against their digest by the store's get (or
// getInto), which every driver does (test/conformance/chunk-store.ts).
import { once } from "node:events";
import { Readable, type Writable } from "node:stream";
import type { ReusedBuffers } from "../core/reused-buffers.js";
import type { ChunkStore } from "../ports/chunk-store.js";
import { buildFixedVhdFooter } from "./formats/vhd.js";
import { chunkLength, InvalidManifestError, type Manifest } from "./manifest.js";
import { forEachLimited, prefetch } from "./pipeline.js";
import { zeros } from "./zeros.js";

/** Chunks fetched ahead of the one being sent: enough to hide a remote store's latency. */
const PREFETCH = 4;

export type ExportFormat = "raw" | "vhd-fixed";

export interface ExportOptions {
  format: ExportFormat;
  /** First byte, inclusive; default 0. */
  start?: number;
  /** Last byte, inclusive as in an HTTP Range (the VHD footer included); default the export's last byte. */
  end?: number;
}

interface Slot {
  index: number;
  /** Undefined for a chunk of zeros. */
  digest: string | undefined;
}

/** `length` bytes of the disk from `offset`; zeros where no chunk is listed. */
export async function readRange(manifest: Manifest, store: ChunkStore, offset: number, length: number): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > manifest.size) {
    throw new RangeError(`cannot read ${length} bytes at ${offset} of a ${manifest.size}-byte disk`);
  }
  const out = Buffer.alloc(length);
  if (length === 0) return out;
  const stop = offset + length;
  const listed = [...slots(manifest, Math.floor(offset / manifest.chunkSize), Math.floor((stop - 1) / manifest.chunkSize))].filter((slot) => slot.digest);
  await forEachLimited(listed, PREFETCH, async (slot) => {
    const data = await loadChunk(manifest, store, slot);
    const chunkStart = slot.index * manifest.chunkSize;
    const from = Math.max(offset, chunkStart);
    data.copy(out, from - offset, from - chunkStart, Math.min(stop, chunkStart + data.length) - chunkStart);
  });
  return out;
}

/**
 * The bytes [start, end] of the disk exported as `format`. The stream reads chunks only as fast as
 * its consumer takes them (a few ahead), and fails with the store's error on a missing or damaged chunk.
 */
export function exportStream(manifest: Manifest, store: ChunkStore, options: ExportOptions): Readable {
  return Readable.from(exportedBytes(manifest, options, (slot) => loadChunk(manifest, store, slot)), { objectMode: false });
}

/**
 * The same bytes written to `out`, each listed chunk read into a buffer of `buffers` that is
 * given back once its write has completed, so that a download allocates no buffer per chunk (a
 * Readable cannot tell when its consumer is done with a chunk). Waits for `out` to drain, and
 * resolves once every write has completed; fails if `out` closes first.
 */
export async function writeExport(manifest: Manifest, store: ChunkStore, options: ExportOptions, out: Writable, buffers: ReusedBuffers): Promise<void> {
  const closed = once(out, "close").then(() => {
    throw new Error("the export's destination closed before the export ended");
  });
  closed.catch(() => undefined);
  const load = async (slot: Slot): Promise<Buffer> => {
    if (!slot.digest || !store.getInto || manifest.chunkSize > buffers.size) return loadChunk(manifest, store, slot);
    const buffer = buffers.take();
    try {
      return checkedLength(manifest, slot, await store.getInto(slot.digest, buffer));
    } catch (error) {
      buffers.give(buffer);
      throw error;
    }
  };
  let pending = 0;
  let allWritten: (() => void) | undefined;
  for await (const piece of exportedBytes(manifest, options, load)) {
    pending += 1;
    // A buffer of the pool goes back when its write is done; zeros, the footer and other stores' buffers are not the pool's.
    const written = () => {
      buffers.give(piece);
      if (--pending === 0) allWritten?.();
    };
    if (!out.write(piece, written)) await Promise.race([once(out, "drain"), closed]);
  }
  if (pending > 0) await Promise.race([new Promise<void>((resolve) => (allWritten = resolve)), closed]);
}

/** The exported bytes, each listed chunk from `load`; the range is checked first. */
function exportedBytes(manifest: Manifest, options: ExportOptions, load: (slot: Slot) => Promise<Buffer>): AsyncGenerator<Buffer> {
  const footer = options.format === "vhd-fixed" ? buildFixedVhdFooter(manifest.size) : Buffer.alloc(0);
  const total = manifest.size + footer.length;
  const start = options.start ?? 0;
  const end = options.end ?? total - 1;
  // end = start - 1 is the empty range (a raw export of an empty disk).
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start - 1 || end >= total) {
    throw new RangeError(`bytes ${start}-${end} are not a range of a ${total}-byte export`);
  }
  return piecesOf(manifest, start, end + 1, footer, load);
}

async function* piecesOf(manifest: Manifest, start: number, stop: number, footer: Buffer, load: (slot: Slot) => Promise<Buffer>): AsyncGenerator<Buffer> {
  const { size, chunkSize } = manifest;
  const diskStop = Math.min(stop, size);
  if (start < diskStop) {
    const chunks = prefetch(slots(manifest, Math.floor(start / chunkSize), Math.floor((diskStop - 1) / chunkSize)), PREFETCH, async (slot) => ({ index: slot.index, data: await load(slot) }));
    for await (const { index, data } of chunks) {
      const chunkStart = index * chunkSize;
      yield data.subarray(Math.max(start, chunkStart) - chunkStart, Math.min(diskStop, chunkStart + data.length) - chunkStart);
    }
  }
  if (stop > size) yield footer.subarray(Math.max(start, size) - size, stop - size);
}

/**
 * The ranges of the export, within [start, end] (inclusive, as in an HTTP Range; default the
 * whole export), that may hold data: the listed chunks, adjacent ones merged, and the footer.
 * Everything else reads as zeros. Ascending, with inclusive ends.
 */
export function dataRanges(manifest: Manifest, options: ExportOptions): Array<{ start: number; end: number }> {
  const footer = options.format === "vhd-fixed" ? 512 : 0;
  const total = manifest.size + footer;
  const start = Math.max(0, options.start ?? 0);
  const end = Math.min(total - 1, options.end ?? total - 1);
  const ranges: Array<{ start: number; end: number }> = [];
  const add = (from: number, to: number) => {
    const clipped = { start: Math.max(from, start), end: Math.min(to, end) };
    if (clipped.start > clipped.end) return;
    const previous = ranges[ranges.length - 1];
    if (previous && previous.end + 1 >= clipped.start) previous.end = Math.max(previous.end, clipped.end);
    else ranges.push(clipped);
  };
  if (start > end) return ranges;
  const { chunkSize } = manifest;
  for (let at = firstListedFrom(manifest, Math.floor(start / chunkSize)); at < manifest.chunks.length; at++) {
    const { index } = manifest.chunks[at] as { index: number };
    const chunkStart = index * chunkSize;
    if (chunkStart > end) break;
    add(chunkStart, chunkStart + chunkLength(manifest, index) - 1);
  }
  if (footer > 0) add(manifest.size, total - 1);
  return ranges;
}

/** Every chunk from `first` to `last`, with its digest when the manifest lists it. */
function* slots(manifest: Manifest, first: number, last: number): Iterable<Slot> {
  let at = firstListedFrom(manifest, first);
  for (let index = first; index <= last; index++) {
    const listed = manifest.chunks[at];
    if (listed?.index === index) {
      at += 1;
      yield { index, digest: listed.digest };
    } else {
      yield { index, digest: undefined };
    }
  }
}

/** Position in `manifest.chunks` of the first chunk whose index is at least `index` (a binary search). */
function firstListedFrom(manifest: Manifest, index: number): number {
  let low = 0;
  let high = manifest.chunks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((manifest.chunks[middle]?.index ?? Infinity) < index) low = middle + 1;
    else high = middle;
  }
  return low;
}

async function loadChunk(manifest: Manifest, store: ChunkStore, { index, digest }: Slot): Promise<Buffer> {
  if (!digest) return zeros(chunkLength(manifest, index));
  return checkedLength(manifest, { index, digest }, await store.get(digest));
}

/** The store checked the bytes against the digest; this checks the manifest against the bytes. */
function checkedLength(manifest: Manifest, { index, digest }: Slot, data: Buffer): Buffer {
  const length = chunkLength(manifest, index);
  if (data.length !== length) throw new InvalidManifestError(`chunk ${index} should be ${length} bytes, but ${digest} is ${data.length}`);
  return data;
}
