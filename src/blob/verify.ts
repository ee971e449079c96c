// A full check of a disk in a store: every chunk its manifest lists is fetched and hashed again
// here, without relying on the driver's own verification. Nothing in the server calls it today:
// every copy and every read already checks each chunk it moves.
import { ChunkCorruptError, ChunkNotFoundError, type ChunkStore } from "../ports/chunk-store.js";
import { sha256Hex } from "./digest.js";
import { chunkLength, type Manifest } from "./manifest.js";
import { forEachLimited } from "./pipeline.js";

const CONCURRENCY = 4;

export interface ManifestVerification {
  /** Distinct chunks checked (a chunk listed at several indexes is checked once). */
  chunksChecked: number;
  /** Bytes of the chunks found intact. */
  bytesVerified: number;
  /** Digests absent from the store, sorted. */
  missing: string[];
  /** Digests whose bytes do not match, sorted. */
  corrupt: string[];
}

export async function verifyManifest(manifest: Manifest, store: ChunkStore): Promise<ManifestVerification> {
  const lengths = new Map<string, number>();
  for (const { index, digest } of manifest.chunks) lengths.set(digest, chunkLength(manifest, index));
  const result: ManifestVerification = { chunksChecked: lengths.size, bytesVerified: 0, missing: [], corrupt: [] };
  await forEachLimited(lengths, CONCURRENCY, async ([digest, length]) => {
    let data: Buffer;
    try {
      data = await store.get(digest);
    } catch (error) {
      if (error instanceof ChunkNotFoundError) return void result.missing.push(digest);
      if (error instanceof ChunkCorruptError) return void result.corrupt.push(digest);
      throw error;
    }
    if (data.length === length && sha256Hex(data) === digest) result.bytesVerified += length;
    else result.corrupt.push(digest);
  });
  result.missing.sort();
  result.corrupt.sort();
  return result;
}
