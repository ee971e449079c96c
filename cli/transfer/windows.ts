// How a transfer cuts a disk: windows of at most 4 MiB (the largest page write) on a 4 MiB grid,
// each made of whole 1 MiB digest chunks, worked on by a fixed number of parallel workers.

import type { Extent } from "../../src/blob/disk-image.js";
import { ReusedBuffers } from "../../src/core/reused-buffers.js";
import { MAX_PAGE_WRITE } from "./access-url.js";
import { DIGEST_CHUNK } from "./content-digest.js";

export const WINDOW = MAX_PAGE_WRITE;

export interface Window {
  offset: number;
  length: number;
  /** Bytes of the window inside the extents it was made from: what progress counts. */
  dataBytes: number;
}

/** The windows of a disk of `size` bytes that meet `extents` (ascending, non-overlapping), in order. */
export function* windowsOf(extents: readonly Extent[], size: number): Generator<Window> {
  let pending: Window | undefined;
  for (const { offset, length } of extents) {
    for (let at = offset, end = offset + length; at < end; ) {
      const start = Math.floor(at / WINDOW) * WINDOW;
      const upTo = Math.min(end, start + WINDOW);
      if (pending?.offset === start) pending.dataBytes += upTo - at;
      else {
        if (pending) yield pending;
        pending = { offset: start, length: Math.min(WINDOW, size - start), dataBytes: upTo - at };
      }
      at = upTo;
    }
  }
  if (pending) yield pending;
}

/**
 * The windows to read of a disk of `size` bytes whose data lies in `extents` (ascending,
 * non-overlapping, within the disk): each extent widened to whole digest chunks, since the digest
 * takes chunks whole, and cut on the 4 MiB grid; no chunk is read twice, and no chunk outside them.
 */
export function* readWindowsOf(extents: readonly Extent[], size: number): Generator<Window> {
  let run: { start: number; end: number } | undefined;
  for (const { offset, length } of extents) {
    if (length <= 0) continue;
    const start = Math.floor(offset / DIGEST_CHUNK) * DIGEST_CHUNK;
    const end = Math.min(size, Math.ceil((offset + length) / DIGEST_CHUNK) * DIGEST_CHUNK);
    if (run && start <= run.end) {
      run.end = Math.max(run.end, end);
      continue;
    }
    if (run) yield* onWindowGrid(run.start, run.end);
    run = { start, end };
  }
  if (run) yield* onWindowGrid(run.start, run.end);
}

/** [start, end) cut where the 4 MiB grid crosses it. */
function* onWindowGrid(start: number, end: number): Generator<Window> {
  for (let at = start; at < end; ) {
    const upTo = Math.min(end, (Math.floor(at / WINDOW) + 1) * WINDOW);
    yield { offset: at, length: upTo - at, dataBytes: upTo - at };
    at = upTo;
  }
}

/**
 * The runs of consecutive non-zero chunks of a window's bytes, as [start, end) offsets within it;
 * `keep(index, chunk)` is asked once per chunk, in order, and says whether it is non-zero.
 */
export function nonZeroRuns(bytes: Buffer, keep: (chunkInWindow: number, chunk: Buffer) => boolean): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let at = 0, chunk = 0; at < bytes.length; at += DIGEST_CHUNK, chunk++) {
    const end = Math.min(at + DIGEST_CHUNK, bytes.length);
    if (!keep(chunk, bytes.subarray(at, end))) continue;
    const last = runs[runs.length - 1];
    if (last && last[1] === at) last[1] = end;
    else runs.push([at, end]);
  }
  return runs;
}

/**
 * Runs `work` on every item with at most `parallel` at a time. The first failure stops the
 * workers from taking more items and is thrown once those in flight have settled.
 */
export async function forEachParallel<T>(items: Iterator<T>, parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined) {
      const next = items.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  if (failure) throw failure.error;
}

/**
 * forEachParallel with a buffer of `size` bytes lent to each work and reused by the next once that
 * work has settled: a transfer allocates `parallel` buffers in all, not one per window, which
 * spares the garbage collector dozens of full collections per GiB moved.
 */
export async function forEachParallelWithBuffer<T>(items: Iterator<T>, parallel: number, size: number, work: (item: T, buffer: Buffer) => Promise<void>): Promise<void> {
  const buffers = new ReusedBuffers(size, parallel);
  await forEachParallel(items, parallel, async (item) => {
    const buffer = buffers.take();
    try {
      await work(item, buffer);
    } finally {
      buffers.give(buffer);
    }
  });
}
