// Reading a disk back out of a store: a byte range, or a stream of the whole disk (raw, or a fixed
// VHD as Azure's download URLs serve it) with HTTP Range semantics. Chunks the manifest does not
// list are zeros and cost nothing; listed ones are verified against their digest by the store's
// get, which every driver does (test/conformance/chunk-store.ts).
import { Readable } from "node:stream";
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
  const footer = options.format === "vhd-fixed" ? buildFixedVhdFooter(manifest.size) : Buffer.alloc(0);
  const total = manifest.size + footer.length;
  const start = options.start ?? 0;
  const end = options.end ?? total - 1;
  // end = start - 1 is the empty range (a raw export of an empty disk).
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start - 1 || end >= total) {
    throw new RangeError(`bytes ${start}-${end} are not a range of a ${total}-byte export`);
  }
  return Readable.from(exportedBytes(manifest, store, start, end + 1, footer), { objectMode: false });
}

async function* exportedBytes(manifest: Manifest, store: ChunkStore, start: number, stop: number, footer: Buffer): AsyncGenerator<Buffer> {
  const { size, chunkSize } = manifest;
  const diskStop = Math.min(stop, size);
  if (start < diskStop) {
    const load = async (slot: Slot) => ({ index: slot.index, data: await loadChunk(manifest, store, slot) });
    const chunks = prefetch(slots(manifest, Math.floor(start / chunkSize), Math.floor((diskStop - 1) / chunkSize)), PREFETCH, load);
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
  const length = chunkLength(manifest, index);
  if (!digest) return zeros(length);
  const data = await store.get(digest);
  // The store checked the bytes against the digest; this checks the manifest against the bytes.
  if (data.length !== length) throw new InvalidManifestError(`chunk ${index} should be ${length} bytes, but ${digest} is ${data.length}`);
  return data;
}
