// Format detection by magic numbers, and openDiskImage over every format: natively, with
// qemu-img's map for sparse files, and through conversion for VHDX, VMDK and compressed qcow2.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DiskFormat } from "../../../src/blob/disk-image.js";
import { detectFormat, openDiskImage, type OpenDiskImageOptions } from "../../../src/blob/formats/detect.js";
import { CompressedClustersError } from "../../../src/blob/formats/qcow2.js";
import { openFileReader } from "../../../src/blob/formats/range-reader.js";
import {
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
  qemu,
  openImageFile,
  qemuSkip,
  refusedWith,
  readWholeImage,
  type ConvertFormat,
} from "../../support/images.js";

async function detectPath(path: string): Promise<DiskFormat> {
  const reader = await openFileReader(path);
  try {
    return await detectFormat(reader);
  } finally {
    await reader.close();
  }
}

const openPath = (path: string, options: OpenDiskImageOptions = {}) => openImageFile(path, (reader) => openDiskImage(reader, options));

describe("detecting and opening images", { skip: qemuSkip }, () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawPath: string;
  let raw: Buffer;
  const images = new Map<ConvertFormat, string>();

  before(async () => {
    scratch = await makeTempDir();
    rawPath = await makeSampleRaw(scratch.dir);
    raw = await readFile(rawPath);
    for (const format of ["vpc-fixed", "vpc-dynamic", "qcow2", "qcow2-compressed", "vhdx", "vmdk"] as const) {
      images.set(format, await convertImage(rawPath, format));
    }
  });
  after(() => scratch.remove());

  const imagePath = (format: ConvertFormat) => images.get(format) ?? assert.fail(`no ${format} image`);

  it("detects each format by its magic numbers", async () => {
    assert.equal(await detectPath(rawPath), "raw");
    assert.equal(await detectPath(imagePath("vpc-fixed")), "vhd-fixed");
    assert.equal(await detectPath(imagePath("vpc-dynamic")), "vhd-dynamic");
    assert.equal(await detectPath(imagePath("qcow2")), "qcow2");
    assert.equal(await detectPath(imagePath("qcow2-compressed")), "qcow2");
    assert.equal(await detectPath(imagePath("vhdx")), "vhdx");
    assert.equal(await detectPath(imagePath("vmdk")), "vmdk");
    assert.equal(await detectPath(await makeRawImage(scratch.dir, "tiny.raw", { sizeBytes: 10, blocks: [] })), "raw");
    assert.equal(await detectPath(await makeRawImage(scratch.dir, "empty.raw", { sizeBytes: 0, blocks: [] })), "raw");
  });

  it("takes a dynamic VHD without its footer for a truncated VHD, not a raw disk", async () => {
    const cut = await copyImage(imagePath("vpc-dynamic"), "cut");
    await cutImage(cut, 3 * 1024 * 1024);
    assert.equal(await detectPath(cut), "vhd-dynamic");
    await assert.rejects(openPath(cut), refusedWith("truncated"));
  });

  for (const [format, expected] of [
    ["vpc-fixed", "vhd-fixed"],
    ["vpc-dynamic", "vhd-dynamic"],
    ["qcow2", "qcow2"],
    ["qcow2-compressed", "qcow2"],
    ["vhdx", "vhdx"],
    ["vmdk", "vmdk"],
  ] as const) {
    it(`opens ${format} from a local file as the raw disk, with extents around the data`, async () => {
      const path = imagePath(format);
      const image = await openPath(path, { path, workDir: scratch.dir });
      try {
        assert.equal(image.format, expected);
        assert.equal(image.virtualSize, SAMPLE_SIZE);
        const extents = await collectExtents(image);
        assert.equal(extentProblem(extents, raw), undefined);
        assert.ok(extentTotal(extents) < SAMPLE_SIZE / 2, `extents total ${extentTotal(extents)} bytes`);
        assert.ok((await readWholeImage(image)).equals(raw));
      } finally {
        await image.close();
      }
    });
  }

  it("opens raw with qemu-img's map from a local file, and as one extent without one", async () => {
    const mapped = await openPath(rawPath, { path: rawPath });
    try {
      assert.ok(extentTotal(await collectExtents(mapped)) < SAMPLE_SIZE / 2);
    } finally {
      await mapped.close();
    }
    const whole = await openPath(rawPath);
    try {
      assert.deepEqual(await collectExtents(whole), [{ offset: 0, length: SAMPLE_SIZE }]);
    } finally {
      await whole.close();
    }
  });

  it("leaves no conversion behind in the work directory", async () => {
    const work = await makeTempDir("vitrine-work-");
    const path = imagePath("vhdx");
    const image = await openPath(path, { path, workDir: work.dir });
    try {
      assert.deepEqual(await readdir(work.dir), []);
      assert.ok((await image.read(0, 4096)).equals(raw.subarray(0, 4096)));
    } finally {
      await image.close();
      await work.remove();
    }
  });

  it("refuses compressed qcow2, VHDX and VMDK read from a URL (no local file)", async () => {
    await assert.rejects(openPath(imagePath("qcow2-compressed")), CompressedClustersError);
    await assert.rejects(openPath(imagePath("vhdx")), refusedWith("unsupported", /VHDX images .*qemu-img convert -O vpc -o subformat=fixed/));
    await assert.rejects(openPath(imagePath("vmdk")), refusedWith("unsupported", /VMDK images/));
  });

  it("refuses a VMDK that refers to other files, which qemu-img would read from the server", async () => {
    const descriptor = join(scratch.dir, "flat.vmdk");
    await qemu("qemu-img", ["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", descriptor, "1M"]);
    assert.equal(await detectPath(descriptor), "vmdk");
    await assert.rejects(openPath(descriptor, { path: descriptor }), refusedWith("unsupported", /separate extent files/));
  });

  it("refuses a format it was told that the file is not", async () => {
    await assert.rejects(openPath(rawPath, { format: "qcow2" }), refusedWith("malformed"));
    await assert.rejects(openPath(rawPath, { format: "vhd-fixed" }), refusedWith("malformed"));
  });
});
