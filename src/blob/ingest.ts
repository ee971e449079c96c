// Turns a disk image into chunks in a store and a manifest: the data plane's way in. Only the
// chunks that overlap the image's extents are read; all-zero chunks are dropped; the others are
// hashed and stored unless the store has them already, which is where deduplication across
// versions comes from. The manifest is stored last, so a failed or aborted ingest leaves chunks
// for the garbage collector but never a manifest that could be taken for a complete disk.
import type { ChunkStore } from "../ports/chunk-store.js";
import { sha256Hex } from "./digest.js";
import type { DiskImage, Extent } from "./disk-image.js";
import { CHUNK_SIZE, chunkLength, encodeManifest, manifestDigest, type Manifest, type ManifestChunk } from "./manifest.js";
import { forEachLimited, prefetch } from "./pipeline.js";
import { isAllZero } from "./zeros.js";

/** Chunks read beyond those being stored, so that reading and storing overlap. */
const READ_AHEAD = 2;
/**
 * Chunks hashed and stored at once by default. More would keep libuv's four threads busier, but
 * each chunk's buffer then waits longer in their queue before it is written, long enough for V8
 * to promote it, and the promoted megabytes cost the server a full garbage collection every few
 * chunks: with 16, a 512 MiB import did 35-40 of them instead of 2 and took 1.5-2 times as long.
 */
const DEFAULT_CONCURRENCY = 4;

export interface IngestDiskProgress {
  /** Bytes read from the image. */
  bytesRead: number;
  /** Bytes of chunks the store did not have before (the manifest is not counted). */
  bytesStored: number;
  chunksDone: number;
  /** The chunks that overlap the image's extents: those that will be read. */
  chunksTotalEstimate: number;
}

export interface IngestOptions {
  /**
   * Chunks of the disk already in the store (a direct upload stores whole chunks as they arrive):
   * listed in the manifest as they are, after a check that the store still has them. The image's
   * extents must not overlap them.
   */
  stored?: readonly ManifestChunk[];
  /** Chunks hashed and stored at once; default 4. Memory stays under concurrency + 3 chunks. */
  concurrency?: number;
  onProgress?: (progress: IngestDiskProgress) => void;
  signal?: AbortSignal;
}

export interface IngestResult {
  manifest: Manifest;
  /** `sha256:` and the manifest's digest: what clients verify a download against. */
  contentDigest: string;
  bytesRead: number;
  bytesStored: number;
}

interface ChunkRun {
  first: number;
  last: number;
}

export async function ingestDisk(image: DiskImage, store: ChunkStore, options: IngestOptions = {}): Promise<IngestResult> {
  const { concurrency = DEFAULT_CONCURRENCY, onProgress, signal, stored = [] } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`);
  signal?.throwIfAborted();
  const size = image.virtualSize;
  const disk = { size, chunkSize: CHUNK_SIZE };
  const runs = await chunkRuns(image.extents(), size);
  const progress: IngestDiskProgress = { bytesRead: 0, bytesStored: 0, chunksDone: 0, chunksTotalEstimate: runs.reduce((sum, run) => sum + run.last - run.first + 1, 0) };
  const chunks: ManifestChunk[] = [...stored];
  await forEachLimited(stored, concurrency, async ({ index, digest }) => {
    if (!(await store.has(digest))) throw new Error(`chunk ${index} (${digest}) of the disk is missing from ${store.name}`);
  });
  // Two identical chunks of one disk in flight at once are stored (and counted) once.
  const storing = new Map<string, Promise<boolean>>();

  const read = async (index: number) => {
    signal?.throwIfAborted();
    const length = chunkLength(disk, index);
    const data = await image.read(index * CHUNK_SIZE, length);
    if (data.length !== length) throw new Error(`the ${image.format} reader returned ${data.length} bytes for chunk ${index}, not ${length}`);
    progress.bytesRead += length;
    return { index, data };
  };

  /** Stores a chunk; true when the store did not have it. */
  const putChunk = async (digest: string, data: Buffer): Promise<boolean> => {
    const present = await store.has(digest);
    // Put even when present: a put refreshes the chunk's writtenAt, which keeps the garbage
    // collector from sweeping a chunk that was garbage until this ingest reused it.
    await store.put(digest, data, { verified: true, deferred: true });
    return !present;
  };

  await forEachLimited(prefetch(chunkIndexes(runs), READ_AHEAD, read), concurrency, async ({ index, data }) => {
    if (!isAllZero(data)) {
      const digest = sha256Hex(data);
      chunks.push({ index, digest });
      signal?.throwIfAborted();
      const already = storing.get(digest);
      if (already) {
        await already;
      } else {
        const storingThis = putChunk(digest, data).finally(() => storing.delete(digest));
        storing.set(digest, storingThis);
        if (await storingThis) progress.bytesStored += data.length;
      }
    }
    progress.chunksDone += 1;
    onProgress?.({ ...progress });
  });

  chunks.sort((a, b) => a.index - b.index);
  const manifest: Manifest = {
    version: 1,
    size,
    chunkSize: CHUNK_SIZE,
    chunks,
    occupiedBytes: chunks.reduce((sum, chunk) => sum + chunkLength(disk, chunk.index), 0),
  };
  const encoded = encodeManifest(manifest);
  const digest = manifestDigest(encoded);
  signal?.throwIfAborted();
  // The chunks are durable before the manifest that references them is stored.
  await store.sync?.(chunks.map((chunk) => chunk.digest));
  await store.put(digest, encoded);
  return { manifest, contentDigest: `sha256:${digest}`, bytesRead: progress.bytesRead, bytesStored: progress.bytesStored };
}

/** The chunks that overlap the extents, as ascending runs; a chunk touched by several extents appears once. */
async function chunkRuns(extents: AsyncIterable<Extent>, size: number): Promise<ChunkRun[]> {
  const runs: ChunkRun[] = [];
  let covered = 0;
  for await (const { offset, length } of extents) {
    if (length === 0) continue;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 0 || offset < covered || offset + length > size) {
      throw new RangeError(`extent [${offset}, +${length}) is not ascending, non-overlapping and inside a disk of ${size} bytes`);
    }
    covered = offset + length;
    const first = Math.floor(offset / CHUNK_SIZE);
    const last = Math.floor((covered - 1) / CHUNK_SIZE);
    const previous = runs[runs.length - 1];
    if (previous && first <= previous.last + 1) previous.last = Math.max(previous.last, last);
    else runs.push({ first, last });
  }
  return runs;
}

function* chunkIndexes(runs: readonly ChunkRun[]): Iterable<number> {
  for (const { first, last } of runs) for (let index = first; index <= last; index++) yield index;
}
