import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArmError } from "../../../src/core/errors.js";
import { UploadStaging } from "../../../src/blob/upload-staging.js";

const codeOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: ArmError) => error.code);

describe("upload staging", () => {
  it("keeps page writes at their offsets and knows which ranges were written or cleared", async () => {
    const staging = new UploadStaging(mkdtempSync(join(tmpdir(), "vitrine-staging-")));
    const id = await staging.create(8 * 1024 * 1024);
    await staging.writePages(id, 0, Buffer.alloc(1024, 1));
    await staging.writePages(id, 1024, Buffer.alloc(512, 2));
    await staging.writePages(id, 4096, Buffer.alloc(2048, 3));
    await staging.clearPages(id, 4608, 512);
    await staging.writePages(id, 8 * 1024 * 1024 - 512, Buffer.alloc(512, 4));
    const staged = await staging.staged(id);
    assert.deepEqual(staged.extents, [
      { offset: 0, length: 1536 },
      { offset: 4096, length: 512 },
      { offset: 5120, length: 1024 },
      { offset: 8 * 1024 * 1024 - 512, length: 512 },
    ]);
    assert.ok((await staged.reader.read(1024, 512)).equals(Buffer.alloc(512, 2)));
    assert.ok((await staged.reader.read(2048, 512)).equals(Buffer.alloc(512, 0)), "never written reads as zeros");
  });

  it("survives a restart: a new staging object on the same directory sees the same upload", async () => {
    const root = mkdtempSync(join(tmpdir(), "vitrine-staging-"));
    const first = new UploadStaging(root);
    const id = await first.create(1024 * 1024);
    await first.writePages(id, 512, Buffer.alloc(512, 7));
    const second = new UploadStaging(root);
    const staged = await second.staged(id);
    assert.deepEqual(staged.extents, [{ offset: 512, length: 512 }]);
    assert.ok((await staged.reader.read(512, 512)).equals(Buffer.alloc(512, 7)));
    await second.discard(id);
    await first.discard(id);
    assert.deepEqual(readdirSync(root), []);
  });

  it("refuses unaligned, oversized and out-of-range page writes", async () => {
    const staging = new UploadStaging(mkdtempSync(join(tmpdir(), "vitrine-staging-")));
    const id = await staging.create(16 * 1024 * 1024);
    assert.equal(await codeOf(staging.writePages(id, 100, Buffer.alloc(512))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 0, Buffer.alloc(700))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 0, Buffer.alloc(4 * 1024 * 1024 + 512))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 16 * 1024 * 1024, Buffer.alloc(512))), "InvalidPageRange");
    assert.deepEqual((await staging.staged(id)).extents, [], "nothing refused was recorded");
  });
});
