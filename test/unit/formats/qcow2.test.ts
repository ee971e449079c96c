// The native qcow2 reader against images made by qemu-img (versions 2 and 3, zero clusters, a
// 64 GiB sparse disk) and the variants it must refuse.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CompressedClustersError, openQcow2 } from "../../../src/blob/formats/qcow2.js";
import {
  MIB,
  SAMPLE_SIZE,
  collectExtents,
  convertImage,
  copyImage,
  cutImage,
  extentProblem,
  extentTotal,
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

const openPath = (path: string) => openImageFile(path, openQcow2);

describe("qcow2 images made by qemu-img", { skip: qemuSkip }, () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawPath: string;
  let raw: Buffer;
  let v3: string;

  before(async () => {
    scratch = await makeTempDir();
    rawPath = await makeSampleRaw(scratch.dir);
    raw = await readFile(rawPath);
    v3 = await convertImage(rawPath, "qcow2");
  });
  after(() => scratch.remove());

  for (const [name, format] of [
    ["version 3", "qcow2"],
    ["version 2", "qcow2-v2"],
  ] as const) {
    it(`reads a ${name} image cluster by cluster, listing only the allocated clusters`, async () => {
      const image = await openPath(format === "qcow2" ? v3 : await convertImage(rawPath, format));
      try {
        assert.equal(image.format, "qcow2");
        assert.equal(image.virtualSize, SAMPLE_SIZE);
        const extents = await collectExtents(image);
        assert.equal(extentProblem(extents, raw), undefined);
        assert.ok(extentTotal(extents) <= 6 * 64 * 1024, `extents total ${extentTotal(extents)} bytes`);
        assert.ok((await readWholeImage(image)).equals(raw));
        assert.ok((await readWholeImage(image, 4 * MIB)).equals(raw));
        assert.ok((await readWholeImageInto(image, 4 * MIB)).equals(raw));
      } finally {
        await image.close();
      }
    });
  }

  it("treats clusters flagged as reading zeros as holes, even when they keep a host cluster", async () => {
    const zeroed = await copyImage(v3, "zeroed");
    await qemu("qemu-io", ["-f", "qcow2", "-c", "write -z 0 64k", zeroed]);
    const image = await openPath(zeroed);
    try {
      const extents = await collectExtents(image);
      assert.ok(extents.every((extent) => extent.offset >= 64 * 1024), JSON.stringify(extents));
      assert.ok((await image.read(0, 128 * 1024)).equals(Buffer.alloc(128 * 1024)));
      assert.ok((await image.read(12 * MIB - 3000, 10_000)).equals(raw.subarray(12 * MIB - 3000, 12 * MIB + 7000)));
    } finally {
      await image.close();
    }
  });

  it("lists a few MiB of extents for a 64 GiB image", async () => {
    const size = 64 * 1024 * MIB;
    const bigRaw = await makeRawImage(scratch.dir, "big.raw", {
      sizeBytes: size,
      blocks: [
        { offset: 0, bytes: 0x11, length: MIB },
        { offset: size / 2 - 512, bytes: 0x22, length: 3 * MIB },
        { offset: size - 512, bytes: 0x33, length: 512 },
      ],
    });
    const image = await openPath(await convertImage(bigRaw, "qcow2"));
    try {
      assert.equal(image.virtualSize, size);
      assert.ok(extentTotal(await collectExtents(image)) <= 5 * MIB);
      assert.ok((await image.read(size / 2 - 512, 3 * MIB)).equals(Buffer.alloc(3 * MIB, 0x22)));
      assert.ok((await image.read(size - 1024, 1024)).equals(Buffer.concat([Buffer.alloc(512), Buffer.alloc(512, 0x33)])));
    } finally {
      await image.close();
    }
  });

  it("refuses a cut-off image as truncated", async () => {
    const cut = await copyImage(v3, "cut");
    await cutImage(cut, (await readFile(v3)).length - 64 * 1024);
    await assert.rejects(openPath(cut), refusedWith("truncated", /truncated/));
    await cutImage(cut, 40);
    await assert.rejects(openPath(cut), refusedWith("truncated"));
  });

  it("refuses an image with a backing file as unsupported", async () => {
    const child = join(scratch.dir, "child.qcow2");
    await qemu("qemu-img", ["create", "-f", "qcow2", "-b", v3, "-F", "qcow2", child]);
    await assert.rejects(openPath(child), refusedWith("unsupported", /backing file/));
  });

  it("refuses compressed clusters as unsupported, suggesting a conversion without -c", async () => {
    const compressed = await convertImage(rawPath, "qcow2-compressed");
    await assert.rejects(openPath(compressed), (error: unknown) => {
      assert.ok(error instanceof CompressedClustersError);
      assert.equal(error.reason, "unsupported");
      assert.match(error.message, /qemu-img convert -O qcow2/);
      return true;
    });
  });

  it("refuses encrypted images, external data files and extended L2 entries as unsupported", async () => {
    const encrypted = join(scratch.dir, "encrypted.qcow2");
    // The legacy AES format, not LUKS: LUKS times its key derivation, which qemu-img refuses on a busy machine ("Unable to get accurate CPU usage").
    await qemu("qemu-img", ["create", "--object", "secret,id=s0,data=secret", "-f", "qcow2", "-o", "encrypt.format=aes,encrypt.key-secret=s0", encrypted, "1M"]);
    await assert.rejects(openPath(encrypted), refusedWith("unsupported", /encrypted/));
    const external = join(scratch.dir, "external.qcow2");
    await qemu("qemu-img", ["create", "-f", "qcow2", "-o", `data_file=${join(scratch.dir, "external.data")}`, external, "1M"]);
    await assert.rejects(openPath(external), refusedWith("unsupported", /external file/));
    const extended = join(scratch.dir, "extended.qcow2");
    await qemu("qemu-img", ["create", "-f", "qcow2", "-o", "extended_l2=on", extended, "1M"]);
    await assert.rejects(openPath(extended), refusedWith("unsupported", /extended L2/));
  });

  it("refuses unknown incompatible features, and images qemu marked corrupt", async () => {
    const unknown = await copyImage(v3, "unknown-feature");
    await patchImage(unknown, 72, Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]));
    await assert.rejects(openPath(unknown), refusedWith("unsupported", /0x100000000/));
    const corrupt = await copyImage(v3, "corrupt");
    await patchImage(corrupt, 79, Buffer.from([2]));
    await assert.rejects(openPath(corrupt), refusedWith("malformed", /corrupt/));
  });

  it("bounds-checks every table offset against the file", async () => {
    const file = await readFile(v3);
    const l1Offset = Number(file.readBigUInt64BE(40));
    const l2Offset = Number(file.readBigUInt64BE(l1Offset) & 0x00ff_ffff_ffff_fe00n);

    const farL2 = await copyImage(v3, "far-l2");
    await patchImage(farL2, l1Offset, Buffer.from("8000000010000000", "hex")); // L2 table at 256 MiB
    await assert.rejects(openPath(farL2), refusedWith("truncated", /L2 table 0/));

    const farL1 = await copyImage(v3, "far-l1");
    await patchImage(farL1, 40, Buffer.from("0000000010000000", "hex"));
    await assert.rejects(openPath(farL1), refusedWith("truncated", /L1 table/));

    const unaligned = await copyImage(v3, "unaligned");
    const entry = Buffer.from(file.subarray(l2Offset, l2Offset + 8));
    entry[6] = (entry[6] ?? 0) | 0x02; // host offset + 512
    await patchImage(unaligned, l2Offset, entry);
    await assert.rejects(openPath(unaligned), refusedWith("malformed", /unaligned/));
  });

  it("refuses a file that is not qcow2 as malformed", async () => {
    await assert.rejects(openPath(rawPath), refusedWith("malformed", /not a qcow2/));
  });
});
