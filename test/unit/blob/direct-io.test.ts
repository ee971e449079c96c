// Direct I/O for pack files (src/blob/drivers/direct-io.ts): what is written from an aligned
// position reads back exactly, from any position and for any length, padded on disk to the block.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { constants, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ALIGNMENT, alignUp, openFile, readDirect, withDirectRead, writeDirect } from "../../../src/blob/drivers/direct-io.js";
import { MIB } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "vitrine-direct-io-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const create = () => openFile(join(dir, `file-${++files}`), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, true);

describe("direct I/O", () => {
  it("opens files with O_DIRECT where the file system takes it, and says so", async (t) => {
    const { handle, direct } = await create();
    await handle.close();
    if (!direct) return t.skip(`the file system of ${tmpdir()} refuses O_DIRECT`);
    const plain = await openFile(join(dir, `file-${++files}`), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, false);
    assert.equal(plain.direct, false);
    await plain.handle.close();
  });

  it("reads back what it wrote, whatever the lengths, from aligned and unaligned positions", async () => {
    const { handle, direct } = await create();
    try {
      const records: Array<{ position: number; data: Buffer }> = [];
      let end = 0;
      for (const length of [1, ALIGNMENT - 1, ALIGNMENT, ALIGNMENT + 1, MIB, MIB + 3, 3 * MIB + 5]) {
        const data = randomBytes(length);
        if (direct) await writeDirect(handle, data, end);
        else await handle.write(data, 0, length, end);
        records.push({ position: end, data });
        end += alignUp(length);
      }
      for (const { position, data } of records) {
        const read = direct ? readDirect : async (h: typeof handle, p: number, l: number) => (await h.read(Buffer.alloc(l), 0, l, p)).buffer;
        assert.ok((await read(handle, position, data.length)).equals(data), `${data.length} bytes at ${position}`);
        if (data.length > 10) assert.ok((await read(handle, position + 7, data.length - 10)).equals(data.subarray(7, -3)), `inside the record of ${data.length}`);
      }
      if (direct) {
        const last = records[records.length - 1] as (typeof records)[number];
        assert.equal(statSync(join(dir, `file-${files}`)).size, end, "the last record is padded to the block");
        const beyond = await readDirect(handle, last.position, last.data.length + 2 * ALIGNMENT);
        assert.ok(beyond.subarray(0, last.data.length).equals(last.data));
        assert.ok(beyond.subarray(last.data.length).every((byte) => byte === 0), "padding, then the end of the file");
        assert.equal(beyond.length, alignUp(last.data.length));
      }
    } finally {
      await handle.close();
    }
  });

  it("lets a write through while reads hold every aligned buffer (a copy holds its read until its write lands)", { timeout: 20_000 }, async (t) => {
    const { handle, direct } = await create();
    try {
      if (!direct) return t.skip(`the file system of ${tmpdir()} refuses O_DIRECT`);
      const data = randomBytes(MIB);
      await writeDirect(handle, data, 0);
      let written: () => void = () => undefined;
      const writeLanded = new Promise<void>((resolve) => (written = resolve));
      // More reads than the pool has buffers: every buffer ends up held by a read waiting for the write.
      const reads = Array.from({ length: 64 }, () =>
        withDirectRead(handle, 0, MIB, async (bytes) => {
          assert.ok(bytes.equals(data));
          await writeLanded;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writeDirect(handle, randomBytes(MIB), MIB);
      written();
      await Promise.all(reads);
    } finally {
      await handle.close();
    }
  });

  it("refuses a direct write that does not start on a block", async () => {
    const { handle } = await create();
    try {
      await assert.rejects(writeDirect(handle, randomBytes(10), 100), RangeError);
    } finally {
      await handle.close();
    }
  });
});
