// The qemu-img helpers: the data map of sparse files and images, conversion to sparse raw, and
// qemu-img's own errors passed on.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { DiskImageError } from "../../../src/blob/disk-image.js";
import { qemuImgConvertToRaw, qemuImgMap } from "../../../src/blob/formats/qemu-img.js";
import { SAMPLE_SIZE, convertImage, extentProblem, extentTotal, makeSampleRaw, makeTempDir, qemuSkip } from "../../support/images.js";

describe("qemu-img helpers", { skip: qemuSkip }, () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let rawPath: string;
  let raw: Buffer;

  before(async () => {
    scratch = await makeTempDir();
    rawPath = await makeSampleRaw(scratch.dir);
    raw = await readFile(rawPath);
  });
  after(() => scratch.remove());

  it("maps the holes of a sparse raw file", async () => {
    const extents = await qemuImgMap(rawPath, "raw");
    assert.equal(extentProblem(extents, raw), undefined);
    assert.ok(extentTotal(extents) <= 256 * 1024, JSON.stringify(extents));
  });

  it("maps the data of an image in another format, leaving out what reads as zeros", async () => {
    const extents = await qemuImgMap(await convertImage(rawPath, "vhdx"), "vhdx");
    assert.equal(extentProblem(extents, raw), undefined);
    // A fixed VHD's holes are reported as data that reads as zeros: they are left out too.
    const fixed = await qemuImgMap(await convertImage(rawPath, "vpc-fixed"), "vhd-fixed");
    assert.equal(extentProblem(fixed, raw), undefined);
    assert.ok(extentTotal(fixed) < SAMPLE_SIZE / 2);
  });

  it("converts to a sparse raw file", async () => {
    const out = join(scratch.dir, "converted.raw");
    await qemuImgConvertToRaw(await convertImage(rawPath, "vmdk"), "vmdk", out);
    assert.ok((await readFile(out)).equals(raw));
    assert.ok((await stat(out)).blocks * 512 < SAMPLE_SIZE / 2);
  });

  it("passes qemu-img's errors on", async () => {
    await assert.rejects(qemuImgMap(join(scratch.dir, "missing.qcow2"), "qcow2"), (error: unknown) => {
      assert.ok(error instanceof DiskImageError);
      assert.match(error.message, /qemu-img map failed.*missing\.qcow2/s);
      return true;
    });
    await assert.rejects(qemuImgConvertToRaw(rawPath, "vhdx", join(scratch.dir, "never.raw")), DiskImageError);
  });
});
