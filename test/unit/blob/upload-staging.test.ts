import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArmError } from "../../../src/core/errors.js";
import { UploadStaging } from "../../../src/blob/upload-staging.js";
import { FsChunkStore } from "../../../src/blob/drivers/fs-chunk-store.js";
import { sha256Hex } from "../../../src/blob/digest.js";
import { replay } from "../../../src/blob/upload-journal.js";

const MIB = 1024 * 1024;

/** A staging area whose uploads store whole chunks in a fresh store of region "westus". */
function staging_(root = mkdtempSync(join(tmpdir(), "vitrine-staging-"))) {
  const store = new FsChunkStore(mkdtempSync(join(tmpdir(), "vitrine-staging-store-")));
  return { staging: new UploadStaging(root, () => store), store, root };
}

/** Distinct non-zero bytes: `length` of them, seeded by `seed`. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = ((i * 31 + seed * 7) % 251) + 1;
  return out;
}

const codeOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: ArmError) => error.code);

describe("upload staging", () => {
  it("keeps page writes at their offsets and knows which ranges were written or cleared", async () => {
    const { staging } = staging_();
    const id = await staging.create(8 * 1024 * 1024, "westus", 8 * 1024 * 1024 - 512);
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
    const { staging: first, root } = staging_();
    const id = await first.create(1024 * 1024, "westus", 1024 * 1024 - 512);
    await first.writePages(id, 512, Buffer.alloc(512, 7));
    const { staging: second } = staging_(root);
    const staged = await second.staged(id);
    assert.deepEqual(staged.extents, [{ offset: 512, length: 512 }]);
    assert.ok((await staged.reader.read(512, 512)).equals(Buffer.alloc(512, 7)));
    await second.discard(id);
    await first.discard(id);
    assert.deepEqual(readdirSync(root), []);
  });

  it("refuses unaligned, oversized and out-of-range page writes", async () => {
    const { staging } = staging_();
    const id = await staging.create(16 * 1024 * 1024, "westus", 16 * 1024 * 1024 - 512);
    assert.equal(await codeOf(staging.writePages(id, 100, Buffer.alloc(512))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 0, Buffer.alloc(700))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 0, Buffer.alloc(4 * 1024 * 1024 + 512))), "InvalidPageRange");
    assert.equal(await codeOf(staging.writePages(id, 16 * 1024 * 1024, Buffer.alloc(512))), "InvalidPageRange");
    assert.deepEqual((await staging.staged(id)).extents, [], "nothing refused was recorded");
  });

  it("stores a page write's whole chunks at once, and keeps only the rest in the staging file", async () => {
    const { staging, store } = staging_();
    const id = await staging.create(8 * MIB + 512, "westus", 8 * MIB);
    const data = bytes(4 * MIB, 1);
    await staging.writePages(id, MIB, data);
    await staging.writePages(id, 6 * MIB, Buffer.alloc(MIB)); // a whole chunk of zeros: nothing stored
    await staging.writePages(id, 8 * MIB, Buffer.alloc(512, 9)); // the footer: not the disk's, staged
    const staged = await staging.staged(id);
    assert.deepEqual(staged.extents, [{ offset: 8 * MIB, length: 512 }]);
    const expected = [1, 2, 3, 4].map((index) => ({ index, digest: sha256Hex(data.subarray((index - 1) * MIB, index * MIB)) }));
    assert.deepEqual(staged.chunks, expected);
    for (const { digest } of staged.chunks) assert.equal(await store.has(digest), true);
    assert.ok((await staged.reader.read(MIB - 512, 4 * MIB + 1024)).equals(Buffer.concat([Buffer.alloc(512), data, Buffer.alloc(512)])));
    assert.ok((await staged.reader.read(8 * MIB, 512)).equals(Buffer.alloc(512, 9)));
    assert.deepEqual((await staging.storedChunks("westus")).sort(), staged.chunks.map((c) => c.digest).sort());
    assert.deepEqual(await staging.storedChunks("eastus"), []);
  });

  it("moves a stored chunk into the staging file when a later write or clear changes part of it", async () => {
    const { staging, root } = staging_();
    const id = await staging.create(4 * MIB + 512, "westus", 4 * MIB);
    const first = bytes(2 * MIB, 2);
    await staging.writePages(id, 0, first);
    await staging.writePages(id, 1024, Buffer.alloc(512, 5)); // inside chunk 0
    await staging.clearPages(id, MIB + 4096, 8192); // inside chunk 1
    const expected = Buffer.concat([first, Buffer.alloc(2 * MIB)]);
    Buffer.alloc(512, 5).copy(expected, 1024);
    expected.fill(0, MIB + 4096, MIB + 4096 + 8192);
    for (const view of [await staging.staged(id), await staging_(root).staging.staged(id)]) {
      assert.deepEqual(view.chunks, [], "both chunks now live in the staging file");
      assert.deepEqual(view.extents, [
        { offset: 0, length: MIB + 4096 },
        { offset: MIB + 4096 + 8192, length: MIB - 4096 - 8192 },
      ]);
      assert.ok((await view.reader.read(0, 4 * MIB)).equals(expected), "the same bytes, before and after a restart");
    }
  });

  it("reads a range cleared after it was written as zeros, not as the bytes still in the file", async () => {
    const { staging } = staging_();
    const id = await staging.create(4 * MIB + 512, "westus", 4 * MIB);
    await staging.writePages(id, 0, Buffer.alloc(8192, 3));
    await staging.clearPages(id, 1024, 1024);
    const expected = Buffer.alloc(8192, 3).fill(0, 1024, 2048);
    assert.ok((await (await staging.staged(id)).reader.read(0, 8192)).equals(expected));
  });

  it("keeps the outcome of writes to the same chunk in flight at once in the order they were journaled", async () => {
    const { staging, root } = staging_();
    const id = await staging.create(2 * MIB + 512, "westus", 2 * MIB);
    await Promise.all([
      staging.writePages(id, 0, bytes(MIB, 3)),
      staging.writePages(id, 512, Buffer.alloc(512, 1)),
      staging.writePages(id, 0, bytes(MIB, 4)),
      staging.clearPages(id, 0, 1024),
    ]);
    const live = await (await staging.staged(id)).reader.read(0, MIB);
    const replayed = await (await staging_(root).staging.staged(id)).reader.read(0, MIB);
    assert.ok(live.equals(replayed), "what the server holds is what a restart recovers");
    const expected = bytes(MIB, 4).fill(0, 0, 1024);
    assert.ok(live.equals(expected), "applied in the order they were sent");
  });

  it("replays a journal cut in the middle of its last record as if that record was never written", async () => {
    const { staging, root } = staging_();
    const id = await staging.create(2 * MIB + 512, "westus", 2 * MIB);
    await staging.writePages(id, 0, bytes(MIB, 6));
    await staging.writePages(id, MIB, Buffer.alloc(512, 1));
    const journal = readFileSync(join(root, `${id}.journal`));
    const whole = replay(journal);
    assert.equal(whole.chunks.size, 1);
    assert.deepEqual(whole.extents(), [{ offset: MIB, length: 512 }]);
    const torn = replay(journal.subarray(0, journal.length - 3));
    assert.equal(torn.chunks.size, 1);
    assert.deepEqual(torn.extents(), []);
  });
});
