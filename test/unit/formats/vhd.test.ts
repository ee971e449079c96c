// The native VHD reader against fixed and dynamic VHDs made by qemu-img, the damaged and
// unsupported variants it must refuse, and the fixed-VHD footer the export path writes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { vhdGeometry } from "../../../src/blob/formats/vhd-footer.js";
import { buildFixedVhdFooter, checkAzureUploadSize, isFixedVhdFooter, openVhd } from "../../../src/blob/formats/vhd.js";
import {
  MIB,
  SAMPLE_SIZE,
  collectExtents,
  convertImage,
  copyImage,
  cutImage,
  extentProblem,
  extentTotal,
  makeDifferencingVhd,
  makeRawImage,
  makeSampleRaw,
  makeTempDir,
  patchImage,
  qemu,
  openImageFile,
  qemuSkip,
  refusedWith,
  readWholeImage,
  readWholeImageInto,
} from "../../support/images.js";

const openPath = (path: string) => openImageFile(path, openVhd);

describe("VHD images made by qemu-img", { skip: qemuSkip }, () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawPath: string;
  let raw: Buffer;
  let fixed: string;
  let dynamic: string;

  before(async () => {
    scratch = await makeTempDir();
    rawPath = await makeSampleRaw(scratch.dir);
    raw = await readFile(rawPath);
    fixed = await convertImage(rawPath, "vpc-fixed");
    dynamic = await convertImage(rawPath, "vpc-dynamic");
  });
  after(() => scratch.remove());

  it("reads a fixed VHD: the whole data area is one extent and reads as the raw disk", async () => {
    const image = await openPath(fixed);
    try {
      assert.equal(image.format, "vhd-fixed");
      assert.equal(image.virtualSize, SAMPLE_SIZE);
      assert.deepEqual(await collectExtents(image), [{ offset: 0, length: SAMPLE_SIZE }]);
      assert.ok((await readWholeImage(image)).equals(raw));
      assert.ok((await readWholeImageInto(image, 4 * MIB)).equals(raw));
    } finally {
      await image.close();
    }
  });

  it("reads a dynamic VHD through its block table, listing only the allocated blocks", async () => {
    const image = await openPath(dynamic);
    try {
      assert.equal(image.format, "vhd-dynamic");
      assert.equal(image.virtualSize, SAMPLE_SIZE);
      const extents = await collectExtents(image);
      assert.equal(extentProblem(extents, raw), undefined);
      // Blocks 0, 2, 5, 6 and 11 of 12 hold data; 5 and 6 are adjacent and merged.
      assert.deepEqual(extents, [
        { offset: 0, length: 2 * MIB },
        { offset: 4 * MIB, length: 2 * MIB },
        { offset: 10 * MIB, length: 4 * MIB },
        { offset: 22 * MIB, length: 2 * MIB },
      ]);
      assert.ok((await readWholeImage(image)).equals(raw));
      assert.ok((await readWholeImage(image, 4 * MIB)).equals(raw));
      assert.ok((await readWholeImageInto(image, 4 * MIB)).equals(raw));
    } finally {
      await image.close();
    }
  });

  it("reads sectors whose bitmap bit is clear as zeros", async () => {
    const copy = await copyImage(dynamic, "bitmap");
    const file = await readFile(copy);
    const tableOffset = Number(file.readBigUInt64BE(512 + 16));
    const block0 = file.readUInt32BE(tableOffset) * 512;
    await patchImage(copy, block0, Buffer.from([0x00, 0x7f])); // sectors 0-8 never written
    const image = await openPath(copy);
    try {
      const start = await image.read(0, 16 * 512);
      assert.ok(start.subarray(0, 9 * 512).equals(Buffer.alloc(9 * 512)));
      assert.ok(start.subarray(9 * 512).equals(raw.subarray(9 * 512, 16 * 512)));
      assert.ok((await image.read(16 * 512, MIB)).equals(raw.subarray(16 * 512, 16 * 512 + MIB)));
    } finally {
      await image.close();
    }
  });

  it("lists a few MiB of extents for a 64 GiB dynamic VHD", async () => {
    const size = 64 * 1024 * MIB;
    const bigRaw = await makeRawImage(scratch.dir, "big.raw", {
      sizeBytes: size,
      blocks: [
        { offset: 0, bytes: 0x11, length: MIB },
        { offset: size / 2, bytes: 0x22, length: 3 * MIB },
        { offset: size - 512, bytes: 0x33, length: 512 },
      ],
    });
    const image = await openPath(await convertImage(bigRaw, "vpc-dynamic"));
    try {
      assert.equal(image.virtualSize, size);
      const extents = await collectExtents(image);
      assert.ok(extentTotal(extents) <= 8 * MIB, `extents total ${extentTotal(extents)} bytes`);
      assert.ok((await image.read(size / 2, 3 * MIB)).equals(Buffer.alloc(3 * MIB, 0x22)));
      assert.ok((await image.read(size - 1024, 1024)).equals(Buffer.concat([Buffer.alloc(512), Buffer.alloc(512, 0x33)])));
      assert.ok((await image.read(size / 4, MIB)).equals(Buffer.alloc(MIB)));
    } finally {
      await image.close();
    }
  });

  it("refuses a dynamic VHD whose end was cut off as truncated", async () => {
    const cut = await copyImage(dynamic, "cut");
    await cutImage(cut, 3 * MIB);
    await assert.rejects(openPath(cut), refusedWith("truncated", /truncated/));
  });

  it("refuses a fixed VHD whose footer claims more than the file holds as truncated", async () => {
    const short = join(scratch.dir, "short.vhd");
    await copyFile(rawPath, short);
    await appendFile(short, buildFixedVhdFooter(SAMPLE_SIZE + MIB));
    await assert.rejects(openPath(short), refusedWith("truncated"));
  });

  it("refuses a footer with a wrong checksum as malformed", async () => {
    for (const image of [fixed, dynamic]) {
      const damaged = await copyImage(image, "checksum");
      const size = (await readFile(damaged)).length;
      await patchImage(damaged, size - 512 + 70, Buffer.from([0x42])); // a byte of the unique id
      await assert.rejects(openPath(damaged), refusedWith("malformed", /checksum/));
    }
  });

  it("refuses a differencing VHD as unsupported: it needs its parent", async () => {
    await assert.rejects(openPath(await makeDifferencingVhd(dynamic)), refusedWith("unsupported", /differencing/));
  });

  it("refuses a block table entry that points outside the file as malformed", async () => {
    const damaged = await copyImage(dynamic, "bat");
    const tableOffset = Number((await readFile(damaged)).readBigUInt64BE(512 + 16));
    await patchImage(damaged, tableOffset + 4, Buffer.from([0x00, 0x10, 0x00, 0x00])); // block 1 at 512 MiB
    await assert.rejects(openPath(damaged), refusedWith("malformed", /Block 1/));
  });

  it("refuses files that are not VHDs or are shorter than a footer", async () => {
    await assert.rejects(openPath(rawPath), refusedWith("malformed", /conectix/));
    const tiny = await makeRawImage(scratch.dir, "tiny.raw", { sizeBytes: 100, blocks: [] });
    await assert.rejects(openPath(tiny), refusedWith("truncated"));
  });
});

describe("the fixed-VHD footer the export path writes", () => {
  it("makes a VHD that qemu-img and this reader read at the raw size", { skip: qemuSkip }, async () => {
    const scratch = await makeTempDir();
    try {
      const rawPath = await makeSampleRaw(scratch.dir);
      const vhd = join(scratch.dir, "exported.vhd");
      await copyFile(rawPath, vhd);
      await appendFile(vhd, buildFixedVhdFooter(SAMPLE_SIZE));
      const info = JSON.parse(await qemu("qemu-img", ["info", "--output=json", "-f", "vpc", vhd])) as { "virtual-size": number };
      assert.equal(info["virtual-size"], SAMPLE_SIZE);
      const image = await openPath(vhd);
      try {
        assert.equal(image.format, "vhd-fixed");
        assert.ok((await readWholeImage(image)).equals(await readFile(rawPath)));
      } finally {
        await image.close();
      }
    } finally {
      await scratch.remove();
    }
  });

  it("is recognised by isFixedVhdFooter, for its size only", () => {
    const footer = buildFixedVhdFooter(30 * MIB, Buffer.alloc(16, 7));
    assert.equal(footer.length, 512);
    assert.equal(footer.toString("latin1", 0, 8), "conectix");
    assert.ok(footer.subarray(68, 84).equals(Buffer.alloc(16, 7)));
    assert.equal(isFixedVhdFooter(footer), true);
    assert.equal(isFixedVhdFooter(footer, 30 * MIB), true);
    assert.equal(isFixedVhdFooter(footer, 31 * MIB), false);
    assert.equal(isFixedVhdFooter(footer.subarray(0, 511)), false);
    const flipped = Buffer.from(footer);
    flipped[100] = 1;
    assert.equal(isFixedVhdFooter(flipped), false);
    const dynamicType = Buffer.from(footer);
    dynamicType.writeUInt32BE(3, 60);
    assert.equal(isFixedVhdFooter(dynamicType), false);
  });

  it("is the same bytes for the same disk", () => {
    assert.ok(buildFixedVhdFooter(10 * 1024 * MIB).equals(buildFixedVhdFooter(10 * 1024 * MIB)));
  });

  it("computes the geometry with the VHD specification's algorithm", () => {
    assert.deepEqual(vhdGeometry(24 * MIB), { cylinders: 722, heads: 4, sectorsPerTrack: 17 });
    assert.deepEqual(vhdGeometry(127 * 1024 * MIB), { cylinders: 65278, heads: 16, sectorsPerTrack: 255 });
    assert.deepEqual(vhdGeometry(4 * 1024 * 1024 * MIB), { cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
    const footer = buildFixedVhdFooter(24 * MIB);
    assert.deepEqual([footer.readUInt16BE(56), footer[58], footer[59]], [722, 4, 17]);
  });
});

describe("checkAzureUploadSize", () => {
  it("accepts a whole number of MiB from 20 MiB to 32 TiB plus the footer", () => {
    for (const disk of [20 * MIB, 10 * 1024 * MIB, 32 * 1024 * 1024 * MIB]) assert.equal(checkAzureUploadSize(disk + 512), undefined);
  });

  it("explains what is wrong with any other size", () => {
    for (const total of [20 * MIB, 19 * MIB + 512, 20 * MIB + 1024, 32 * 1024 * 1024 * MIB + MIB + 512, 21.5 * MIB + 512, -1]) {
      assert.match(checkAzureUploadSize(total) ?? "", /whole number of MiB/, String(total));
    }
    assert.match(checkAzureUploadSize(20 * MIB + 1024) ?? "", /for example 22020608 bytes/);
  });
});
