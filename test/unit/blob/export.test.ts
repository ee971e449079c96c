// Reading disks back: byte ranges, raw and fixed-VHD streams with HTTP Range semantics, damaged
// and missing chunks, back-pressure.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportStream, readRange } from "../../../src/blob/export.js";
import { isFixedVhdFooter } from "../../../src/blob/formats/vhd.js";
import { ingestDisk } from "../../../src/blob/ingest.js";
import type { Manifest } from "../../../src/blob/manifest.js";
import { ChunkCorruptError, ChunkNotFoundError } from "../../../src/ports/chunk-store.js";
import { memoryDisk } from "../../support/memory-disk.js";
import { MIB, countingStore, readAll, sampleDisk, scratchStore } from "./fixtures.js";

describe("export", () => {
  let scratch: Awaited<ReturnType<typeof scratchStore>>;
  let bytes: Buffer;
  let manifest: Manifest;
  before(async () => {
    scratch = await scratchStore();
    const sample = sampleDisk();
    bytes = sample.bytes;
    manifest = (await ingestDisk(memoryDisk(sample.bytes, sample.extents), scratch.store)).manifest;
  });
  after(() => scratch.remove());

  it("streams the raw disk byte for byte", async () => {
    const out = await readAll(exportStream(manifest, scratch.store, { format: "raw" }));
    assert.equal(out.length, bytes.length);
    assert.ok(out.equals(bytes));
  });

  it("streams a fixed VHD: the disk, then a valid footer for its size", async () => {
    const out = await readAll(exportStream(manifest, scratch.store, { format: "vhd-fixed" }));
    assert.equal(out.length, bytes.length + 512);
    assert.ok(out.subarray(0, bytes.length).equals(bytes));
    assert.ok(isFixedVhdFooter(out.subarray(bytes.length), bytes.length));
  });

  it("serves ranges, inclusive of both ends, across chunk boundaries, holes and the footer", async () => {
    const vhd = await readAll(exportStream(manifest, scratch.store, { format: "vhd-fixed" }));
    const size = bytes.length;
    const ranges: Array<[number, number]> = [
      [0, 0],
      [MIB - 1, MIB],
      [MIB - 10, 3 * MIB + 9],
      [2 * MIB + 4090, 2 * MIB + 4100],
      [3 * MIB, 6 * MIB - 1],
      [6 * MIB + MIB / 2 - 3, 7 * MIB + 2],
      [size - 1000, size - 1],
      [size - 5, size + 10],
      [size - 5, size + 511],
      [size, size + 511],
      [size + 100, size + 100],
      [size + 511, size + 511],
      [0, size + 511],
    ];
    for (const [start, end] of ranges) {
      const got = await readAll(exportStream(manifest, scratch.store, { format: "vhd-fixed", start, end }));
      assert.ok(got.equals(vhd.subarray(start, end + 1)), `vhd bytes ${start}-${end}`);
      if (end < size) {
        const raw = await readAll(exportStream(manifest, scratch.store, { format: "raw", start, end }));
        assert.ok(raw.equals(bytes.subarray(start, end + 1)), `raw bytes ${start}-${end}`);
        assert.ok((await readRange(manifest, scratch.store, start, end - start + 1)).equals(bytes.subarray(start, end + 1)), `readRange ${start}-${end}`);
      }
    }
    assert.equal((await readAll(exportStream(manifest, scratch.store, { format: "raw", start: 5, end: 4 }))).length, 0, "the empty range");
    assert.equal((await readRange(manifest, scratch.store, 7, 0)).length, 0);
  });

  it("refuses ranges outside the export", () => {
    const size = bytes.length;
    assert.throws(() => exportStream(manifest, scratch.store, { format: "raw", start: 0, end: size }), RangeError);
    assert.throws(() => exportStream(manifest, scratch.store, { format: "vhd-fixed", start: 0, end: size + 512 }), RangeError);
    assert.throws(() => exportStream(manifest, scratch.store, { format: "raw", start: 10, end: 8 }), RangeError);
    assert.throws(() => exportStream(manifest, scratch.store, { format: "raw", start: -1 }), RangeError);
    assert.throws(() => exportStream(manifest, scratch.store, { format: "raw", start: 0.5 }), RangeError);
    return assert.rejects(readRange(manifest, scratch.store, size - 1, 2), RangeError);
  });

  it("exports an empty disk as nothing, or as a lone footer", async () => {
    const empty = (await ingestDisk(memoryDisk(Buffer.alloc(0)), scratch.store)).manifest;
    assert.equal((await readAll(exportStream(empty, scratch.store, { format: "raw" }))).length, 0);
    assert.ok(isFixedVhdFooter(await readAll(exportStream(empty, scratch.store, { format: "vhd-fixed" })), 0));
  });

  it("reads only a few chunks ahead of a slow consumer", async () => {
    const { store, remove } = await scratchStore();
    try {
      const { manifest: big } = await ingestDisk(memoryDisk(randomBytes(32 * MIB)), store);
      const counting = countingStore(store);
      const stream = exportStream(big, counting, { format: "raw" });
      const reader = stream[Symbol.asyncIterator]();
      await reader.next();
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(counting.calls.get <= 8, `${counting.calls.get} of 32 chunks fetched for a consumer that took one`);
      await reader.return?.();
      assert.ok(stream.destroyed);
    } finally {
      await remove();
    }
  });

  it("fails the stream on a damaged or a missing chunk", async () => {
    const { store, remove } = await scratchStore();
    try {
      const { manifest: disk } = await ingestDisk(memoryDisk(randomBytes(4 * MIB)), store);
      const [, second, third] = disk.chunks;
      assert.ok(second && third);
      const path = (digest: string) => join(store.root, "chunks", digest.slice(0, 2), digest.slice(2, 4), digest);
      const damaged = await readFile(path(second.digest));
      damaged.writeUInt8(damaged.readUInt8(5) ^ 1, 5);
      await writeFile(path(second.digest), damaged);
      await assert.rejects(readAll(exportStream(disk, store, { format: "raw" })), ChunkCorruptError);
      await assert.rejects(readRange(disk, store, MIB, 10), ChunkCorruptError);
      assert.ok((await readAll(exportStream(disk, store, { format: "raw", start: 0, end: MIB - 1 }))).length === MIB, "undamaged ranges still read");
      await rm(path(third.digest));
      await assert.rejects(readAll(exportStream(disk, store, { format: "raw", start: 2 * MIB + 5 })), ChunkNotFoundError);
    } finally {
      await remove();
    }
  });
});
