// The local-directory chunk store (packs and an index) against the conformance suite, plus what
// packs add: group commit, several writers on one directory, compaction, and the older layout.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ALIGNMENT, openFile } from "../../src/blob/drivers/direct-io.js";
import { FsChunkStore } from "../../src/blob/drivers/fs-chunk-store.js";
import { PackChunkStore } from "../../src/blob/drivers/pack-chunk-store.js";
import { collectGarbage } from "../../src/blob/garbage-collector.js";
import { ChunkNotFoundError, type ChunkStore } from "../../src/ports/chunk-store.js";
import { backdateChunk, chunkLocation, damageChunk, packBytesUnder, storedChunks } from "../support/pack-store.js";
import { chunkStoreConformance } from "./chunk-store.js";

const dir = mkdtempSync(join(tmpdir(), "vitrine-pack-chunk-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let stores = 0;
const newRoot = () => join(dir, `store-${++stores}`);
const rootOf = (store: ChunkStore) => (store as PackChunkStore).root;

for (const direct of [true, false]) {
  chunkStoreConformance(direct ? "fs (packs)" : "fs (packs, through the page cache)", async () => new PackChunkStore(newRoot(), { direct }), {
    async corrupt(store, digest) {
      assert.ok(await damageChunk(rootOf(store), digest));
    },
    async backdate(store, digest, when) {
      backdateChunk(rootOf(store), digest, when);
    },
  });
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
function chunk(length = 64 * 1024): { data: Buffer; digest: string } {
  const data = randomBytes(length);
  return { data, digest: sha256(data) };
}
const packFiles = (root: string) => readdirSync(join(root, "packs")).filter((name) => name.endsWith(".pack"));

describe("fs chunk store with packs", () => {
  it("appends concurrent puts to one pack file, each chunk found again after a reopen", async () => {
    const root = newRoot();
    const store = new PackChunkStore(root);
    const chunks = Array.from({ length: 24 }, () => chunk());
    await Promise.all(chunks.map(({ digest, data }) => store.put(digest, data)));
    assert.equal(packFiles(root).length, 1, "one pack");
    assert.equal(statSync(join(root, "packs", packFiles(root)[0] ?? "")).size, 24 * 64 * 1024, "holding each chunk once");
    const reopened = new PackChunkStore(root);
    for (const { digest, data } of chunks) assert.ok((await reopened.get(digest)).equals(data));
    assert.deepEqual(storedChunks(root), chunks.map((c) => c.digest).sort());
    assert.equal(store.name, `fs:${root}`);
  });

  it("starts each chunk at a 4 KiB boundary, and holds its packs open with O_DIRECT where the file system takes it", async (t) => {
    const root = newRoot();
    const store = new PackChunkStore(root);
    const chunks = [1, 4095, 4097, 1024 * 1024 + 3].map((length) => chunk(length));
    for (const { digest, data } of chunks) await store.put(digest, data);
    for (const { digest, data } of chunks) {
      assert.equal((chunkLocation(root, digest)?.offset ?? -1) % ALIGNMENT, 0, `the chunk of ${data.length} bytes starts on a block`);
      assert.ok((await store.get(digest)).equals(data));
    }
    const probe = await openFile(join(root, "probe"), constants.O_RDWR | constants.O_CREAT, true);
    await probe.handle.close();
    if (!probe.direct) return t.skip(`the file system of ${root} refuses O_DIRECT`);
    // Linux shows a descriptor's flags in /proc/self/fdinfo: octal, O_DIRECT among them.
    const packFds = readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(root, "packs"));
      } catch {
        return false;
      }
    });
    assert.ok(packFds.length >= 2, "the pack is open for writing and for reading");
    for (const fd of packFds) {
      const flags = Number.parseInt(/flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1] ?? "0", 8);
      assert.ok(flags & constants.O_DIRECT, `descriptor ${fd} of the pack has O_DIRECT`);
    }
  });

  it("copies from another local store through reused buffers: many chunks at once, larger ones too, all durable after sync", async () => {
    const [from, to] = [new PackChunkStore(newRoot()), new PackChunkStore(newRoot())];
    // More copies in flight than there are aligned buffers (16), so that some wait for one.
    const chunks = [...Array.from({ length: 40 }, (_, i) => chunk(i % 3 === 0 ? 1024 * 1024 : 256 * 1024 + i)), chunk(3 * 1024 * 1024 + 5)];
    for (const { digest, data } of chunks) await from.put(digest, data);
    assert.deepEqual(await Promise.all(chunks.map(({ digest }) => to.copyFrom(from, digest))), chunks.map(() => true));
    await to.sync?.(chunks.map(({ digest }) => digest));
    const reopened = new PackChunkStore(rootOf(to));
    for (const { digest, data } of chunks) assert.ok((await reopened.get(digest)).equals(data), `${data.length} bytes copied intact`);
  });

  it("lets two writers share a directory: each its own packs, both seen by both", async () => {
    const root = newRoot();
    const [first, second] = [new PackChunkStore(root), new PackChunkStore(root)];
    const [a, b] = [chunk(), chunk()];
    await Promise.all([first.put(a.digest, a.data), second.put(b.digest, b.data)]);
    assert.equal(packFiles(root).length, 2);
    assert.ok((await first.get(b.digest)).equals(b.data));
    assert.ok((await second.get(a.digest)).equals(a.data));
    await second.delete(a.digest);
    assert.equal(await first.has(a.digest), false, "a delete by one is seen by the other");
  });

  it("makes deferred puts durable and visible to other processes at sync, and never records one deleted before it", async () => {
    const root = newRoot();
    const store = new PackChunkStore(root);
    const other = new PackChunkStore(root);
    const [a, b, c] = [chunk(), chunk(), chunk()];
    for (const { digest, data } of [a, b, c]) await store.put(digest, data, { verified: true, deferred: true });
    assert.ok((await store.get(a.digest)).equals(a.data), "readable at once by its writer");
    assert.equal(await store.has(b.digest), true);
    assert.equal(await other.has(a.digest), false, "not yet recorded: a crash now would lose it, and no one relies on it");
    assert.deepEqual(storedChunks(root), []);
    await store.delete(c.digest);
    await store.sync([a.digest, b.digest]);
    assert.deepEqual(storedChunks(root), [a.digest, b.digest].sort(), "recorded at sync, but for the deleted one");
    await assert.rejects(store.sync([a.digest, c.digest]), ChunkNotFoundError, "a sync names a chunk of its caller's that is not stored");
    assert.ok((await other.get(b.digest)).equals(b.data));
    const d = chunk();
    await store.put(d.digest, d.data, { deferred: true });
    await store.put(c.digest, c.data);
    assert.deepEqual(storedChunks(root), [a.digest, b.digest, c.digest, d.digest].sort(), "an ordinary put commits the deferred ones before it");
    const e = chunk();
    await store.put(e.digest, e.data, { deferred: true });
    await store.put(e.digest, e.data);
    assert.ok(storedChunks(root).includes(e.digest), "an ordinary put of a chunk deferred by another is durable when it resolves");
  });

  it("starts a new pack at the size limit, and compaction gives back what deleted chunks held", async () => {
    const root = newRoot();
    const store = new PackChunkStore(root, { packBytes: 256 * 1024 });
    const chunks = Array.from({ length: 12 }, () => chunk());
    for (const { digest, data } of chunks) await store.put(digest, data);
    assert.equal(packFiles(root).length, 3, "three packs of four chunks");
    const kept = chunks.filter((_, i) => i % 4 === 0);
    const result = await collectGarbage(store, [], { graceMs: 0, now: new Date(Date.now() + 1000), liveChunks: kept.map((c) => c.digest) });
    assert.equal(result.deleted, 9);
    assert.ok(result.bytesCompacted >= 9 * 64 * 1024 - 1, `the file system got the bytes back (${result.bytesCompacted})`);
    assert.equal(packBytesUnder(root), kept.length * 64 * 1024, "only the kept chunks remain on disk");
    for (const { digest, data } of kept) assert.ok((await store.get(digest)).equals(data), "moved, still whole");
    for (const { digest, data } of chunks.slice(1, 3)) await store.put(digest, data);
    assert.ok((await store.get(chunks[1]?.digest ?? "")).equals(chunks[1]?.data ?? Buffer.alloc(0)), "puts go on after compaction");
  });

  it("keeps a pack whose chunks are mostly live, and never moves a damaged chunk", async () => {
    const root = newRoot();
    const store = new PackChunkStore(root, { packBytes: 128 * 1024 });
    const [a, b, c] = [chunk(), chunk(), chunk()];
    for (const { digest, data } of [a, b, c]) await store.put(digest, data);
    assert.equal((await store.compact()).bytesFreed, 0, "nothing deleted, nothing to give back");
    await damageChunk(root, a.digest);
    await store.delete(b.digest);
    await store.compact();
    await assert.rejects(store.get(a.digest), /does not match its digest/, "the damaged chunk stays where it is, and stays refused");
    assert.ok((await store.get(c.digest)).equals(c.data));
  });

  it("still reads, lists, refreshes and deletes chunks stored as files by the older layout", async () => {
    const root = newRoot();
    const old = chunk();
    await new FsChunkStore(root).put(old.digest, old.data);
    const store = new PackChunkStore(root);
    const fresh = chunk();
    await store.put(fresh.digest, fresh.data);
    assert.ok((await store.get(old.digest)).equals(old.data));
    assert.equal(await store.refresh(old.digest), true);
    await store.put(old.digest, old.data);
    assert.deepEqual(storedChunks(root), [fresh.digest], "a chunk already stored as a file is not written again");
    const listed: string[] = [];
    for await (const entry of store.list()) listed.push(entry.digest);
    assert.deepEqual(listed.sort(), [old.digest, fresh.digest].sort());
    await store.delete(old.digest);
    assert.equal(await store.has(old.digest), false);
  });
});
