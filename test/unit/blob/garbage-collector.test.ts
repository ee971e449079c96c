// Garbage collection: chunks shared by live disks stay, a deleted disk's own chunks go, and the
// grace period protects work in progress, reused chunks included. `now` is passed in: no sleeping.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { collectGarbage } from "../../../src/blob/garbage-collector.js";
import { ingestDisk } from "../../../src/blob/ingest.js";
import { exportStream } from "../../../src/blob/export.js";
import type { FsChunkStore } from "../../../src/blob/drivers/fs-chunk-store.js";
import { memoryDisk } from "../../support/memory-disk.js";
import { MIB, listDigests, readAll, scratchStore } from "./fixtures.js";

const HOUR = 3_600_000;
const later = (ms: number) => new Date(Date.now() + ms);

/** Two 8 MiB disks that differ in chunks 2 and 5; both ingested. */
async function twoDisks(store: FsChunkStore) {
  const first = randomBytes(8 * MIB);
  const second = Buffer.from(first);
  randomBytes(MIB).copy(second, 2 * MIB);
  randomBytes(10).copy(second, 5 * MIB + 99);
  const one = await ingestDisk(memoryDisk(first), store);
  const two = await ingestDisk(memoryDisk(second), store);
  return { second, one, two, digestOf: (result: typeof one) => result.contentDigest.slice("sha256:".length) };
}

describe("collectGarbage", () => {
  it("deletes only what no live manifest references: a deleted disk's own chunks and its manifest", async () => {
    const { store, remove } = await scratchStore();
    try {
      const { second, one, two, digestOf } = await twoDisks(store);
      assert.equal((await listDigests(store)).length, 8 + 2 + 2);
      const oneOnly = one.manifest.chunks.filter((chunk) => !two.manifest.chunks.some((other) => other.digest === chunk.digest));
      assert.equal(oneOnly.length, 2);

      const result = await collectGarbage(store, [digestOf(two)], { graceMs: HOUR, now: later(2 * HOUR) });
      assert.deepEqual(result, { kept: 9, deleted: 3, bytesFreed: 2 * MIB + (24 + 36 * 8), bytesCompacted: 0 });
      for (const { digest } of oneOnly) assert.equal(await store.has(digest), false);
      assert.equal(await store.has(digestOf(one)), false, "the dead manifest goes too");
      assert.ok((await readAll(exportStream(two.manifest, store, { format: "raw" }))).equals(second), "the live disk is whole");

      assert.deepEqual(await collectGarbage(store, [digestOf(two), digestOf(two)], { graceMs: HOUR, now: later(2 * HOUR) }), { kept: 9, deleted: 0, bytesFreed: 0, bytesCompacted: 0 });
    } finally {
      await remove();
    }
  });

  it("keeps unreferenced chunks written within the grace period: an ingest whose manifest is not recorded yet", async () => {
    const { store, remove } = await scratchStore();
    try {
      await twoDisks(store);
      assert.deepEqual(await collectGarbage(store, [], { graceMs: HOUR, now: new Date() }), { kept: 12, deleted: 0, bytesFreed: 0, bytesCompacted: 0 });
      assert.equal((await collectGarbage(store, [], { graceMs: HOUR, now: later(HOUR + 5_000) })).deleted, 12);
      assert.deepEqual(await listDigests(store), []);
    } finally {
      await remove();
    }
  });

  it("keeps old garbage that an ingest has just reused", async () => {
    const { store, remove } = await scratchStore();
    try {
      const bytes = randomBytes(4 * MIB);
      await ingestDisk(memoryDisk(bytes), store);
      // The disk was deleted long ago: its chunks are garbage, and old.
      const longAgo = new Date("2001-01-01T00:00:00Z");
      for (const digest of await listDigests(store)) {
        await utimes(join(store.root, "chunks", digest.slice(0, 2), digest.slice(2, 4), digest), longAgo, longAgo);
      }
      const reused = await ingestDisk(memoryDisk(bytes), store);
      assert.equal(reused.bytesStored, 0, "every chunk was there already");
      // The new disk's manifest is not recorded as live yet.
      const result = await collectGarbage(store, [], { graceMs: HOUR, now: new Date() });
      assert.deepEqual(result, { kept: 5, deleted: 0, bytesFreed: 0, bytesCompacted: 0 });
      assert.ok((await readAll(exportStream(reused.manifest, store, { format: "raw" }))).equals(bytes));
    } finally {
      await remove();
    }
  });

  it("deletes nothing when a live manifest cannot be read", async () => {
    const { store, remove } = await scratchStore();
    try {
      const { one, two, digestOf } = await twoDisks(store);
      const missing = "0".repeat(64);
      await assert.rejects(collectGarbage(store, [digestOf(two), missing], { graceMs: 0, now: later(HOUR) }), /stopped before deleting anything: live manifest 0{64}/);
      const someChunk = one.manifest.chunks[0]?.digest ?? "";
      await assert.rejects(collectGarbage(store, [someChunk], { graceMs: 0, now: later(HOUR) }), /cannot be read/, "a chunk is not a manifest");
      assert.equal((await listDigests(store)).length, 12);
      await assert.rejects(collectGarbage(store, [], { graceMs: -1, now: new Date() }), RangeError);
    } finally {
      await remove();
    }
  });
});
