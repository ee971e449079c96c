// The local-directory chunk store against the conformance suite, plus its on-disk layout.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FsChunkStore } from "../../src/blob/drivers/fs-chunk-store.js";
import type { ChunkStore } from "../../src/ports/chunk-store.js";
import { chunkStoreConformance } from "./chunk-store.js";

const dir = mkdtempSync(join(tmpdir(), "vitrine-fs-chunk-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let stores = 0;
const openStore = async () => new FsChunkStore(join(dir, `store-${++stores}`));

/** Where the documented layout puts a chunk: chunks/<2 hex>/<2 hex>/<digest>. */
function chunkPath(store: ChunkStore, digest: string): string {
  assert.ok(store instanceof FsChunkStore);
  return join(store.root, "chunks", digest.slice(0, 2), digest.slice(2, 4), digest);
}

chunkStoreConformance("fs", openStore, {
  async corrupt(store, digest) {
    const path = chunkPath(store, digest);
    const data = await readFile(path);
    data[0] = (data[0] ?? 0) ^ 0xff;
    await writeFile(path, data);
  },
  async backdate(store, digest, when) {
    await utimes(chunkPath(store, digest), when, when);
  },
});

describe("fs chunk store", () => {
  const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

  it("keeps each chunk at chunks/<2 hex>/<2 hex>/<digest>, leaving no temporary file", async () => {
    const store = await openStore();
    const data = Buffer.from("a chunk");
    const digest = sha256(data);
    await store.put(digest, data);
    assert.ok((await readFile(chunkPath(store, digest))).equals(data));
    assert.deepEqual(await readdir(join(store.root, "chunks", digest.slice(0, 2), digest.slice(2, 4))), [digest]);
    assert.equal(store.name, `fs:${store.root}`);
  });

  it("replaces a stored chunk of the wrong length when it is put again", async () => {
    const store = await openStore();
    const data = Buffer.alloc(4096, 7);
    const digest = sha256(data);
    await store.put(digest, data);
    await writeFile(chunkPath(store, digest), data.subarray(0, 100));
    await store.put(digest, data);
    assert.ok((await store.get(digest)).equals(data));
  });

  it("finds its chunks again when reopened on the same directory", async () => {
    const first = await openStore();
    const data = Buffer.from("kept across a restart");
    const digest = sha256(data);
    await first.put(digest, data);
    const second = new FsChunkStore(first.root);
    assert.ok((await second.get(digest)).equals(data));
    assert.deepEqual((await collect(second.list())).map((entry) => entry.digest), [digest]);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
