// Copies a disk's content from one chunk store to another: only the chunks the target lacks, each
// verified against its digest on arrival (the source's get checks the bytes it returns, so the
// put that follows need not hash them again), and the manifest last, once the chunks are synced, so that a manifest present
// in a store means its disk is complete there. Between two stores of one object store service the
// service copies each chunk itself (copyFrom), and the target checks the copy; between two local
// stores each chunk passes through one reused buffer (copyFrom too); otherwise at most
// PARALLEL_CHUNKS chunks are held here at a time.

import type { ChunkStore } from "../ports/chunk-store.js";
import type { CopyProgress } from "../ports/disk-content.js";
import { chunkLength, decodeManifest } from "./manifest.js";
import { forEachLimited } from "./pipeline.js";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Chunks copied at once. Between local stores, reads and writes go to the device (O_DIRECT) and
 * through reused buffers, so more in flight cost no memory: 8 took a 2 GiB copy from 2.2-2.4 s
 * to 1.8-1.9 s here (docs/benchmarks.md).
 */
const PARALLEL_CHUNKS = 8;

export interface CopyOptions {
  /**
   * A simulated link speed: chunks moved are paced to this many bytes per second (copies between
   * regions on one machine, to see replication as it would run over a WAN). Unset: no pacing.
   */
  bytesPerSecond?: number;
}

export async function copyContent(manifestDigest: string, from: ChunkStore, to: ChunkStore, onProgress?: (progress: CopyProgress) => void, options: CopyOptions = {}): Promise<CopyProgress> {
  const encoded = await from.get(manifestDigest);
  const manifest = decodeManifest(encoded);
  const progress: CopyProgress = { bytesDone: 0, bytesTotal: manifest.occupiedBytes, bytesCopied: 0 };
  const started = Date.now();
  // A chunk the disk holds several times is copied once; each of its places counts as done.
  const distinct = new Map<string, { length: number; times: number }>();
  for (const chunk of manifest.chunks) {
    const seen = distinct.get(chunk.digest);
    if (seen) seen.times += 1;
    else distinct.set(chunk.digest, { length: chunkLength(manifest, chunk.index), times: 1 });
  }
  await forEachLimited(distinct, PARALLEL_CHUNKS, async ([digest, { length, times }]) => {
    // A chunk the target has is refreshed (its writtenAt), so that garbage collection's grace period covers it.
    if (!(await to.refresh(digest))) {
      progress.bytesCopied += length;
      if (options.bytesPerSecond) await sleep(Math.max(0, started + (progress.bytesCopied / options.bytesPerSecond) * 1000 - Date.now()));
      if (!(await to.copyFrom?.(from, digest))) await to.put(digest, await from.get(digest), { verified: true, deferred: true });
    }
    progress.bytesDone += length * times;
    onProgress?.({ ...progress });
  });
  // The chunks are durable before the manifest that says the disk is complete here.
  await to.sync?.(distinct.keys());
  await to.put(manifestDigest, encoded);
  return progress;
}
