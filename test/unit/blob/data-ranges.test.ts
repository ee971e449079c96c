// The data ranges of an export (what Get Page Ranges lists on a disk's read URL): listed chunks,
// adjacent ones merged, the VHD footer, clipped to the range asked, and nothing in the holes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { dataRanges, exportStream } from "../../../src/blob/export.js";
import { ingestDisk } from "../../../src/blob/ingest.js";
import type { Manifest } from "../../../src/blob/manifest.js";
import { memoryDisk } from "../../support/memory-disk.js";
import { KIB, MIB, readAll, sampleDisk, scratchStore } from "./fixtures.js";

/** A manifest listing chunks `indexes` of a disk of `size` bytes; the digests are never read. */
function manifestOf(size: number, indexes: number[], chunkSize = MIB): Manifest {
  const chunks = indexes.map((index) => ({ index, digest: index.toString(16).padStart(64, "0") }));
  const occupiedBytes = indexes.reduce((sum, index) => sum + Math.min(chunkSize, size - index * chunkSize), 0);
  return { version: 1, size, chunkSize, chunks, occupiedBytes };
}

const range = (start: number, end: number) => ({ start, end });

describe("dataRanges", () => {
  let scratch: Awaited<ReturnType<typeof scratchStore>>;
  let manifest: Manifest;
  let size: number;
  before(async () => {
    scratch = await scratchStore();
    const sample = sampleDisk();
    size = sample.bytes.length;
    manifest = (await ingestDisk(memoryDisk(sample.bytes, sample.extents), scratch.store)).manifest;
  });
  after(() => scratch.remove());

  it("lists the non-zero chunks, adjacent ones merged, and the footer merged with a listed last chunk", () => {
    assert.deepEqual(
      manifest.chunks.map((chunk) => chunk.index),
      [0, 2, 6, 7, 10],
      "the sample's zero chunk 1, inside an extent, is not listed",
    );
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed" }), [range(0, MIB - 1), range(2 * MIB, 3 * MIB - 1), range(6 * MIB, 8 * MIB - 1), range(10 * MIB, size + 511)]);
    assert.deepEqual(dataRanges(manifest, { format: "raw" }), [range(0, MIB - 1), range(2 * MIB, 3 * MIB - 1), range(6 * MIB, 8 * MIB - 1), range(10 * MIB, size - 1)]);
  });

  it("merges runs of adjacent chunks and keeps the footer apart after a hole", () => {
    const disk = manifestOf(8 * MIB, [0, 1, 2, 4, 5]);
    assert.deepEqual(dataRanges(disk, { format: "vhd-fixed" }), [range(0, 3 * MIB - 1), range(4 * MIB, 6 * MIB - 1), range(8 * MIB, 8 * MIB + 511)]);
    const small = manifestOf(64 * KIB, [1, 2, 3, 15], 4 * KIB);
    assert.deepEqual(dataRanges(small, { format: "raw" }), [range(4 * KIB, 16 * KIB - 1), range(60 * KIB, 64 * KIB - 1)], "any chunk size");
  });

  it("clips the ranges at both ends of the range asked", () => {
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: MIB / 2, end: 6 * MIB + 10 }), [
      range(MIB / 2, MIB - 1),
      range(2 * MIB, 3 * MIB - 1),
      range(6 * MIB, 6 * MIB + 10),
    ]);
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: 7 * MIB + 1, end: 7 * MIB + 1 }), [range(7 * MIB + 1, 7 * MIB + 1)], "one byte of a run");
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: 6 * MIB + 5 }), [range(6 * MIB + 5, 8 * MIB - 1), range(10 * MIB, size + 511)], "an open end");
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", end: 2 * MIB }), [range(0, MIB - 1), range(2 * MIB, 2 * MIB)], "an open start");
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: 0, end: 10 * size }), dataRanges(manifest, { format: "vhd-fixed" }), "an end past the export");
  });

  it("lists the footer alone, or part of it, when only it is asked", () => {
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: size, end: size + 511 }), [range(size, size + 511)]);
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: size + 100, end: size + 100 }), [range(size + 100, size + 100)]);
    assert.deepEqual(dataRanges(manifest, { format: "raw", start: size - 10 }), [range(size - 10, size - 1)], "a raw export has no footer");
  });

  it("lists nothing inside a hole, or past the end", () => {
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: 3 * MIB, end: 6 * MIB - 1 }), []);
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: 3 * MIB + 5, end: 5 * MIB }), []);
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: MIB, end: MIB }), [], "the zero chunk 1");
    assert.deepEqual(dataRanges(manifest, { format: "vhd-fixed", start: size + 512 }), []);
  });

  it("lists only the footer of an empty or an all-zero disk", () => {
    assert.deepEqual(dataRanges(manifestOf(0, []), { format: "vhd-fixed" }), [range(0, 511)]);
    assert.deepEqual(dataRanges(manifestOf(0, []), { format: "raw" }), []);
    assert.deepEqual(dataRanges(manifestOf(5 * MIB, []), { format: "vhd-fixed" }), [range(5 * MIB, 5 * MIB + 511)]);
    assert.deepEqual(dataRanges(manifestOf(5 * MIB, []), { format: "raw" }), []);
  });

  it("leaves out only zeros: the export is zero everywhere outside the ranges", async () => {
    const vhd = await readAll(exportStream(manifest, scratch.store, { format: "vhd-fixed" }));
    let covered = 0;
    for (const { start, end } of dataRanges(manifest, { format: "vhd-fixed" })) {
      assert.ok(vhd.subarray(covered, start).every((byte) => byte === 0), `bytes ${covered}-${start - 1} are zeros`);
      covered = end + 1;
    }
    assert.equal(covered, vhd.length, "the last range ends with the footer");
  });
});
