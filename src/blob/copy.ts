// Copies a disk's content from one chunk store to another: only the chunks the target lacks, each
// verified against its digest on arrival (the source's get checks the bytes it returns, so the
// put that follows need not hash them again), and
// the manifest last, so that a manifest present in a store means its disk is complete there.

import type { ChunkStore } from "../ports/chunk-store.js";
import type { CopyProgress } from "../ports/disk-content.js";
import { chunkLength, decodeManifest } from "./manifest.js";
import { forEachLimited } from "./pipeline.js";

const PARALLEL_CHUNKS = 4;

export async function copyContent(manifestDigest: string, from: ChunkStore, to: ChunkStore, onProgress?: (progress: CopyProgress) => void): Promise<CopyProgress> {
  const encoded = await from.get(manifestDigest);
  const manifest = decodeManifest(encoded);
  const progress: CopyProgress = { bytesDone: 0, bytesTotal: manifest.occupiedBytes, bytesCopied: 0 };
  await forEachLimited(manifest.chunks, PARALLEL_CHUNKS, async (chunk) => {
    const length = chunkLength(manifest, chunk.index);
    if (await to.has(chunk.digest)) {
      // Refreshes its writtenAt: garbage collection's grace period now covers it (ports/chunk-store.ts).
      await to.put(chunk.digest, await to.get(chunk.digest), { verified: true });
    } else {
      await to.put(chunk.digest, await from.get(chunk.digest), { verified: true });
      progress.bytesCopied += length;
    }
    progress.bytesDone += length;
    onProgress?.({ ...progress });
  });
  await to.put(manifestDigest, encoded);
  return progress;
}
