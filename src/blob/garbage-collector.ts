// Mark and sweep over one chunk store: what the live manifests reference (and the manifests
// themselves) stays, everything else older than the grace period goes.
//
// The grace period is what protects work in progress. An ingest stores its manifest last, so
// until then its chunks are referenced by nothing; they survive because they are younger than
// the grace period, which must therefore exceed the longest ingest plus the time the caller takes
// to record its manifest as live. A chunk an ingest reuses may have been garbage for years: the
// ingest puts it again, and a put of a chunk already present refreshes its writtenAt, so it too
// is young again. What remains is a window of milliseconds between the listing of a chunk and its
// delete, which a put landing exactly then could lose; the ChunkStore port has no conditional
// delete to close it.
import type { ChunkStore } from "../ports/chunk-store.js";
import { decodeManifest } from "./manifest.js";
import { forEachLimited } from "./pipeline.js";

/** Manifests read, or chunks deleted, at once. */
const CONCURRENCY = 8;

export interface GarbageCollectionOptions {
  /** Unreferenced chunks written less than this long before `now` are kept. */
  graceMs: number;
  now: Date;
  /** Chunks to keep besides those the live manifests reference (those of uploads in progress). */
  liveChunks?: Iterable<string>;
}

export interface GarbageCollectionResult {
  kept: number;
  deleted: number;
  /** The sizes of the chunks deleted. */
  bytesFreed: number;
  /** What compaction gave back to the file system (a local store's packs), when the store compacts. */
  bytesCompacted: number;
}

/**
 * Deletes from `store` what the manifests `liveManifestDigests` (every manifest still in use in
 * this store, resolved by the caller) do not reference. If a live manifest cannot be read, its
 * chunks are unknown: nothing is deleted and the error is thrown.
 */
export async function collectGarbage(store: ChunkStore, liveManifestDigests: Iterable<string>, options: GarbageCollectionOptions): Promise<GarbageCollectionResult> {
  const { graceMs, now } = options;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be a non-negative number, not ${graceMs}`);
  const cutoff = now.getTime() - graceMs;
  if (Number.isNaN(cutoff)) throw new RangeError("now is not a valid date");

  const manifests = new Set(liveManifestDigests);
  const live = new Set([...manifests, ...(options.liveChunks ?? [])]);
  await forEachLimited(manifests, CONCURRENCY, async (digest) => {
    try {
      for (const chunk of decodeManifest(await store.get(digest)).chunks) live.add(chunk.digest);
    } catch (error) {
      throw new Error(`garbage collection of ${store.name} stopped before deleting anything: live manifest ${digest} cannot be read`, { cause: error });
    }
  });

  const result: GarbageCollectionResult = { kept: 0, deleted: 0, bytesFreed: 0, bytesCompacted: 0 };
  await forEachLimited(store.list(), CONCURRENCY, async ({ digest, writtenAt, size }) => {
    if (live.has(digest) || writtenAt.getTime() >= cutoff) {
      result.kept += 1;
      return;
    }
    await store.delete(digest);
    result.deleted += 1;
    result.bytesFreed += size;
  });
  if (store.compact) result.bytesCompacted = (await store.compact()).bytesFreed;
  return result;
}
