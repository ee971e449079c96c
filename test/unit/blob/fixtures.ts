// What the blob pipeline's tests share: a real local chunk store in a scratch directory, a wrapper
// that counts what reaches a store, the sample disk, and the content digest computed the way
// docs/content-digest.md tells clients to, independently of src.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Extent } from "../../../src/blob/disk-image.js";
import { FsChunkStore } from "../../../src/blob/drivers/fs-chunk-store.js";
import type { ChunkStore } from "../../../src/ports/chunk-store.js";
import { MIB, pattern } from "../../support/images.js";

export { MIB };
export const KIB = 1024;

export async function scratchStore(): Promise<{ store: FsChunkStore; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "vitrine-blob-"));
  return { store: new FsChunkStore(dir), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CountingStore extends ChunkStore {
  readonly calls: { has: number; put: number; get: number; delete: number };
  /** Puts running at once, now and at most. */
  readonly puts: { now: number; max: number };
  /** Makes the n-th put (1-based) fail. */
  failPut?: number;
}

export function countingStore(inner: ChunkStore): CountingStore {
  const counting: CountingStore = {
    name: inner.name,
    calls: { has: 0, put: 0, get: 0, delete: 0 },
    puts: { now: 0, max: 0 },
    has(digest) {
      counting.calls.has += 1;
      return inner.has(digest);
    },
    async put(digest, data) {
      counting.calls.put += 1;
      if (counting.calls.put === counting.failPut) throw new Error("the store is full");
      counting.puts.now += 1;
      counting.puts.max = Math.max(counting.puts.max, counting.puts.now);
      try {
        await inner.put(digest, data);
      } finally {
        counting.puts.now -= 1;
      }
    },
    refresh: (digest) => inner.refresh(digest),
    get(digest) {
      counting.calls.get += 1;
      return inner.get(digest);
    },
    delete(digest) {
      counting.calls.delete += 1;
      return inner.delete(digest);
    },
    list: () => inner.list(),
  };
  return counting;
}

/**
 * 10 MiB + 300 KiB: data in chunk 0; chunk 1 zeros but inside an extent; two extents in chunk 2;
 * chunks 3-5 a hole; a run across the 6|7 boundary; chunks 8-9 a hole; a partial last chunk 10.
 */
export function sampleDisk(): { bytes: Buffer; extents: Extent[] } {
  const size = 10 * MIB + 300 * KIB;
  const bytes = Buffer.alloc(size);
  pattern(MIB, 1).copy(bytes, 0);
  pattern(100, 2).copy(bytes, 2 * MIB);
  pattern(10, 3).copy(bytes, 2 * MIB + 4096);
  pattern(MIB, 4).copy(bytes, 6 * MIB + MIB / 2);
  pattern(1000, 5).copy(bytes, size - 1000);
  const extents: Extent[] = [
    { offset: 0, length: 2 * MIB },
    { offset: 2 * MIB, length: 100 },
    { offset: 2 * MIB + 4096, length: 10 },
    { offset: 6 * MIB + MIB / 2, length: MIB },
    { offset: size - 1000, length: 1000 },
  ];
  return { bytes, extents };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function listDigests(store: ChunkStore): Promise<string[]> {
  const out: string[] = [];
  for await (const { digest } of store.list()) out.push(digest);
  return out.sort();
}
