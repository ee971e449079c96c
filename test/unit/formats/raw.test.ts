// Raw images: the whole disk by default, or the data extents a map gives.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { openFileReader } from "../../../src/blob/formats/range-reader.js";
import { openRaw } from "../../../src/blob/formats/raw.js";
import { MIB, SAMPLE_SIZE, collectExtents, extentProblem, makeSampleRaw, makeTempDir, readWholeImage, readWholeImageInto } from "../../support/images.js";

describe("openRaw", () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawPath: string;
  let raw: Buffer;

  before(async () => {
    scratch = await makeTempDir();
    rawPath = await makeSampleRaw(scratch.dir);
    raw = await readFile(rawPath);
  });
  after(() => scratch.remove());

  it("takes the whole disk as one extent when nothing better is known", async () => {
    const image = await openRaw(await openFileReader(rawPath));
    try {
      assert.equal(image.format, "raw");
      assert.equal(image.virtualSize, SAMPLE_SIZE);
      assert.deepEqual(await collectExtents(image), [{ offset: 0, length: SAMPLE_SIZE }]);
      assert.ok((await readWholeImage(image)).equals(raw));
      assert.ok((await readWholeImageInto(image, 4 * MIB)).equals(raw));
    } finally {
      await image.close();
    }
  });

  it("reads a local file into the buffer it is given, so that a caller can reuse one", async () => {
    const image = await openRaw(await openFileReader(rawPath));
    try {
      const into = Buffer.alloc(2 * MIB);
      const bytes = await image.read(MIB, MIB, into);
      assert.equal(bytes.buffer, into.buffer);
      assert.equal(bytes.byteOffset, into.byteOffset);
      assert.equal(bytes.length, MIB);
      assert.ok(bytes.equals(raw.subarray(MIB, 2 * MIB)));
    } finally {
      await image.close();
    }
  });

  it("uses the data extents it is given", async () => {
    const known = [
      { offset: 0, length: 64 * 1024 },
      { offset: 5 * MIB, length: 4096 },
      { offset: 12 * MIB - 4096, length: 16 * 1024 },
      { offset: SAMPLE_SIZE - 4096, length: 4096 },
    ];
    const image = await openRaw(await openFileReader(rawPath), known);
    try {
      const extents = await collectExtents(image);
      assert.deepEqual(extents, known);
      assert.equal(extentProblem(extents, raw), undefined);
    } finally {
      await image.close();
    }
  });

  it("refuses extents that are out of order or outside the disk", async () => {
    const reader = await openFileReader(rawPath);
    try {
      await assert.rejects(openRaw(reader, [{ offset: SAMPLE_SIZE - 10, length: 20 }]), RangeError);
      await assert.rejects(openRaw(reader, [{ offset: MIB, length: 10 }, { offset: 0, length: 10 }]), RangeError);
    } finally {
      await reader.close();
    }
  });
});
