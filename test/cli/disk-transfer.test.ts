// The pieces `vitrine disk upload` and `download` are made of: the content digest the CLI computes
// (checked against the one the test support computes from the docs) and how a disk is cut into
// windows and runs of non-zero chunks.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContentDigest, DIGEST_CHUNK } from "../../cli/transfer/content-digest.js";
import { forEachParallel, nonZeroRuns, windowsOf, WINDOW } from "../../cli/transfer/windows.js";
import { contentDigestOf, MIB, pattern } from "../support/images.js";

describe("disk transfer pieces", () => {
  it("computes the content digest of docs/content-digest.md, chunks added in any order", () => {
    const disk = Buffer.alloc(5 * MIB + 1000);
    pattern(3000, 7).copy(disk, MIB - 1000);
    pattern(1000, 8).copy(disk, 5 * MIB);
    const digest = new ContentDigest(disk.length);
    const chunks = Math.ceil(disk.length / DIGEST_CHUNK);
    const kept = [];
    for (let index = chunks - 1; index >= 0; index--) {
      if (digest.add(index, disk.subarray(index * DIGEST_CHUNK, Math.min(disk.length, (index + 1) * DIGEST_CHUNK)))) kept.push(index);
    }
    assert.deepEqual(kept, [5, 1, 0], "all-zero chunks are left out");
    assert.equal(digest.digest(), contentDigestOf(disk));
    assert.throws(() => digest.add(0, Buffer.alloc(10)), RangeError, "a chunk is whole");
  });

  it("cuts the extents of a disk into 4 MiB windows that count their data bytes", () => {
    const size = 20 * MIB;
    const windows = [...windowsOf([{ offset: 100, length: 10 }, { offset: 3 * MIB, length: 2 * MIB }, { offset: 19 * MIB, length: MIB }], size)];
    assert.deepEqual(windows, [
      { offset: 0, length: WINDOW, dataBytes: 10 + MIB },
      { offset: WINDOW, length: WINDOW, dataBytes: MIB },
      { offset: 4 * WINDOW, length: WINDOW, dataBytes: MIB },
    ]);
    assert.deepEqual([...windowsOf([{ offset: 0, length: 6 * MIB }], 6 * MIB)].map((w) => w.length), [WINDOW, 2 * MIB], "the last window ends with the disk");
  });

  it("finds the runs of non-zero chunks in a window", () => {
    const window = Buffer.alloc(4 * MIB);
    window[10] = 1;
    window[MIB + 5] = 1;
    window[3 * MIB] = 1;
    assert.deepEqual(nonZeroRuns(window, (_index, chunk) => chunk.some((byte) => byte !== 0)), [
      [0, 2 * MIB],
      [3 * MIB, 4 * MIB],
    ]);
  });

  it("runs work in parallel, stops taking items after a failure and throws it", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachParallel([1, 2, 3, 4, 5, 6][Symbol.iterator](), 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(item);
      running--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6]);

    const taken: number[] = [];
    await assert.rejects(
      forEachParallel([1, 2, 3, 4, 5, 6][Symbol.iterator](), 2, async (item) => {
        taken.push(item);
        if (item === 2) throw new Error("item 2 failed");
        await new Promise((resolve) => setImmediate(resolve));
      }),
      /item 2 failed/,
    );
    assert.ok(taken.length < 6, `items were still taken after the failure: ${taken.join(", ")}`);
  });
});
