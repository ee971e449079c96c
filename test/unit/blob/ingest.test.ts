// The ingest: which chunks it reads, which it stores, the manifest it leaves, and what it does
// when it is aborted or the store fails.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ingestDisk, type IngestDiskProgress } from "../../../src/blob/ingest.js";
import { decodeManifest } from "../../../src/blob/manifest.js";
import { memoryDisk } from "../../support/memory-disk.js";
import { contentDigestOf } from "../../support/images.js";
import { KIB, MIB, countingStore, listDigests, sampleDisk, scratchStore } from "./fixtures.js";

describe("ingestDisk", () => {
  let scratch: Awaited<ReturnType<typeof scratchStore>>;
  before(async () => {
    scratch = await scratchStore();
  });
  after(() => scratch.remove());

  it("lists exactly the non-zero chunks, a partial last one included, and stores the manifest under the content digest", async () => {
    const { bytes, extents } = sampleDisk();
    const result = await ingestDisk(memoryDisk(bytes, extents), scratch.store);
    const { manifest } = result;
    assert.equal(manifest.size, 10 * MIB + 300 * KIB);
    assert.equal(manifest.chunkSize, MIB);
    assert.deepEqual(manifest.chunks.map((chunk) => chunk.index), [0, 2, 6, 7, 10]);
    assert.equal(manifest.occupiedBytes, 4 * MIB + 300 * KIB);
    assert.equal(result.bytesRead, 5 * MIB + 300 * KIB, "chunks 0, 1, 2, 6, 7 and 10");
    assert.equal(result.bytesStored, 4 * MIB + 300 * KIB);
    assert.match(result.contentDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(result.contentDigest, contentDigestOf(bytes), "the documented algorithm gives the same digest");
    assert.deepEqual(decodeManifest(await scratch.store.get(result.contentDigest.slice(7))), manifest);
  });

  it("reads each chunk that overlaps an extent once, whole, and nothing outside the extents", async () => {
    const { bytes, extents } = sampleDisk();
    const disk = memoryDisk(bytes, extents);
    await ingestDisk(disk, scratch.store);
    const reads = [...disk.reads].sort((a, b) => a.offset - b.offset);
    assert.deepEqual(reads, [
      { offset: 0, length: MIB },
      { offset: MIB, length: MIB },
      { offset: 2 * MIB, length: MIB },
      { offset: 6 * MIB, length: MIB },
      { offset: 7 * MIB, length: MIB },
      { offset: 10 * MIB, length: 300 * KIB },
    ]);
  });

  it("reads nothing of a disk without extents and stores only an empty manifest", async () => {
    const disk = memoryDisk(Buffer.alloc(64 * MIB), []);
    const store = countingStore(scratch.store);
    const result = await ingestDisk(disk, store);
    assert.deepEqual(disk.reads, []);
    assert.deepEqual(result.manifest.chunks, []);
    assert.equal(result.bytesStored, 0);
    assert.equal(store.calls.put, 1, "the manifest");
    const empty = await ingestDisk(memoryDisk(Buffer.alloc(0)), scratch.store);
    assert.equal(empty.manifest.size, 0);
    assert.notEqual(empty.contentDigest, result.contentDigest, "the size is part of the digest");
  });

  it("stores only the chunks that changed between two versions of a disk", async () => {
    const { store, remove } = await scratchStore();
    try {
      const first = randomBytes(16 * MIB);
      const second = Buffer.from(first);
      const flip = (at: number) => second.writeUInt8(second.readUInt8(at) ^ 0xff, at);
      flip(3 * MIB + 17);
      flip(9 * MIB);
      for (let at = 12 * MIB - 50; at < 12 * MIB + 50; at++) flip(at);
      const one = await ingestDisk(memoryDisk(first), store);
      const two = await ingestDisk(memoryDisk(second), store);
      assert.equal(one.bytesStored, 16 * MIB);
      assert.equal(two.bytesRead, 16 * MIB);
      assert.equal(two.bytesStored, 4 * MIB, "chunks 3, 9, 11 and 12");
      const firstDigests = new Set(one.manifest.chunks.map((chunk) => chunk.digest));
      const changed = two.manifest.chunks.filter((chunk) => !firstDigests.has(chunk.digest)).map((chunk) => chunk.index);
      assert.deepEqual(changed, [3, 9, 11, 12]);
      assert.equal((await listDigests(store)).length, 16 + 4 + 2, "chunks of both, shared ones once, and two manifests");
    } finally {
      await remove();
    }
  });

  it("gives the same content digest to the same bytes, whatever the extents and the store", async () => {
    const { bytes, extents } = sampleDisk();
    const first = await ingestDisk(memoryDisk(bytes, extents), scratch.store);
    const again = await ingestDisk(memoryDisk(bytes, extents), scratch.store);
    const wholeDisk = await ingestDisk(memoryDisk(bytes), scratch.store, { concurrency: 1 });
    const { store, remove } = await scratchStore();
    try {
      const elsewhere = await ingestDisk(memoryDisk(bytes, extents), store, { concurrency: 8 });
      assert.equal(again.contentDigest, first.contentDigest);
      assert.equal(again.bytesStored, 0, "nothing new the second time");
      assert.equal(wholeDisk.contentDigest, first.contentDigest);
      assert.equal(elsewhere.contentDigest, first.contentDigest);
    } finally {
      await remove();
    }
  });

  it("stores a chunk that repeats within the disk once, and counts it once", async () => {
    const { store, remove } = await scratchStore();
    try {
      const result = await ingestDisk(memoryDisk(Buffer.alloc(6 * MIB, 0xab)), store, { concurrency: 4 });
      assert.equal(result.manifest.chunks.length, 6);
      assert.equal(new Set(result.manifest.chunks.map((chunk) => chunk.digest)).size, 1);
      assert.equal(result.manifest.occupiedBytes, 6 * MIB, "a disk is billed for its non-zero bytes");
      assert.equal(result.bytesStored, MIB);
      assert.equal((await listDigests(store)).length, 2, "the chunk and the manifest");
    } finally {
      await remove();
    }
  });

  it("keeps concurrency + read-ahead chunks in flight at most, and reports progress", async () => {
    const disk = memoryDisk(randomBytes(24 * MIB));
    const store = countingStore(scratch.store);
    const progress: IngestDiskProgress[] = [];
    const result = await ingestDisk(disk, store, { concurrency: 2, onProgress: (p) => progress.push(p) });
    assert.ok(store.puts.max <= 2, `${store.puts.max} puts at once`);
    assert.ok(disk.inFlight.max <= 3, `${disk.inFlight.max} reads at once`);
    assert.ok(disk.inFlight.max >= 2, "reads overlap");
    assert.equal(progress.length, 24);
    assert.deepEqual(progress.at(-1), { bytesRead: 24 * MIB, bytesStored: result.bytesStored, chunksDone: 24, chunksTotalEstimate: 24 });
    assert.ok(progress.every((p, at) => p.chunksDone === at + 1 && p.chunksTotalEstimate === 24));
  });

  it("stops when aborted, leaving chunks but no manifest", async () => {
    const { store, remove } = await scratchStore();
    try {
      const bytes = randomBytes(32 * MIB);
      const controller = new AbortController();
      const disk = memoryDisk(bytes);
      await assert.rejects(
        ingestDisk(disk, store, { signal: controller.signal, onProgress: (p) => p.chunksDone === 3 && controller.abort() }),
        { name: "AbortError" },
      );
      assert.ok(disk.reads.length < 32, `${disk.reads.length} chunks read after the abort`);
      await assertNoManifest(store);
      assert.ok((await listDigests(store)).length > 0, "the chunks stored before the abort stay for the garbage collector");
      const aborted = new AbortController();
      aborted.abort();
      await assert.rejects(ingestDisk(memoryDisk(bytes), store, { signal: aborted.signal }), { name: "AbortError" });
    } finally {
      await remove();
    }
  });

  it("fails with the store's error and stores no manifest", async () => {
    const { store, remove } = await scratchStore();
    try {
      const counting = countingStore(store);
      counting.failPut = 3;
      await assert.rejects(ingestDisk(memoryDisk(randomBytes(8 * MIB)), counting), /the store is full/);
      await assertNoManifest(store);
    } finally {
      await remove();
    }
  });

  it("refuses extents that are out of order or past the disk, and a short read", async () => {
    const bytes = Buffer.alloc(4 * MIB, 1);
    const disk = memoryDisk(bytes);
    const backwards = { ...disk, extents: async function* () {
      yield { offset: 2 * MIB, length: MIB };
      yield { offset: 0, length: MIB };
    } };
    await assert.rejects(ingestDisk(backwards, scratch.store), RangeError);
    const past = { ...disk, extents: async function* () {
      yield { offset: 3 * MIB, length: 2 * MIB };
    } };
    await assert.rejects(ingestDisk(past, scratch.store), RangeError);
    const short = { ...disk, read: async (offset: number, length: number) => Buffer.alloc(length - 1, offset + 1) };
    await assert.rejects(ingestDisk(short, scratch.store), /returned 1048575 bytes for chunk 0/);
    await assert.rejects(ingestDisk(disk, scratch.store, { concurrency: 0 }), RangeError);
  });
});

async function assertNoManifest(store: Parameters<typeof listDigests>[0]): Promise<void> {
  for (const digest of await listDigests(store)) {
    const data = await store.get(digest);
    assert.ok(!data.subarray(0, 8).equals(Buffer.from("VTRNMF01")), `${digest} is a manifest`);
  }
}
