// readingInWindows: chunk-sized reads in order become one source read per window, windows stop
// at the end of a data range, small reads pass through, and a failed window is fetched again.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { Extent, RangeReader } from "../../../src/blob/disk-image.js";
import { readingInWindows } from "../../../src/blob/formats/read-window.js";

const MIB = 1024 * 1024;

function source(size: number, ranges?: Extent[]) {
  const bytes = randomBytes(size);
  const reads: Array<[number, number]> = [];
  let failNext = false;
  const reader: RangeReader = {
    size,
    read(offset, length) {
      reads.push([offset, length]);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error("connection reset"));
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
    ...(ranges && { dataRanges: () => Promise.resolve(ranges) }),
    close: () => Promise.resolve(),
  };
  return { bytes, reads, reader, failOnce: () => (failNext = true) };
}

describe("readingInWindows", () => {
  it("serves 1 MiB reads in order, several at once, from one source read per 4 MiB", async () => {
    const { bytes, reads, reader } = source(16 * MIB);
    const windowed = readingInWindows(reader);
    const got = await Promise.all(Array.from({ length: 16 }, (_, i) => windowed.read(i * MIB, MIB)));
    got.forEach((data, i) => assert.ok(data.equals(bytes.subarray(i * MIB, (i + 1) * MIB)), `chunk ${i}`));
    assert.deepEqual(reads, [0, 4, 8, 12].map((at) => [at * MIB, 4 * MIB]));
  });

  it("stops a window at the end of the data range it starts in", async () => {
    const { reads, reader } = source(16 * MIB, [{ offset: 0, length: 6 * MIB }, { offset: 10 * MIB, length: 2 * MIB }]);
    const windowed = readingInWindows(reader);
    assert.deepEqual(await windowed.dataRanges?.(), [{ offset: 0, length: 6 * MIB }, { offset: 10 * MIB, length: 2 * MIB }]);
    for (const at of [0, 1, 2, 3, 4, 5, 10, 11]) await windowed.read(at * MIB, MIB);
    assert.deepEqual(reads, [[0, 4 * MIB], [4 * MIB, 2 * MIB], [10 * MIB, 2 * MIB]], "the zeros between the ranges are not fetched");
  });

  it("passes small and large reads through as they are", async () => {
    const { bytes, reads, reader } = source(16 * MIB);
    const windowed = readingInWindows(reader);
    assert.ok((await windowed.read(100, 65536)).equals(bytes.subarray(100, 100 + 65536)));
    await windowed.read(0, 8 * MIB);
    assert.deepEqual(reads, [[100, 65536], [0, 8 * MIB]]);
  });

  it("fetches a window again after its read failed", async () => {
    const { bytes, reads, reader, failOnce } = source(8 * MIB);
    const windowed = readingInWindows(reader);
    failOnce();
    await assert.rejects(windowed.read(0, MIB), /connection reset/);
    assert.ok((await windowed.read(MIB, MIB)).equals(bytes.subarray(MIB, 2 * MIB)));
    assert.deepEqual(reads, [[0, 4 * MIB], [MIB, 4 * MIB]]);
  });
});
