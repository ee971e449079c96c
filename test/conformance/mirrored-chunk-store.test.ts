// A mirror of three local-directory stores (a zone-redundant replica's three zones) against the
// conformance suite, and what it is for: losing or damaging one member loses nothing.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FsChunkStore } from "../../src/blob/drivers/fs-chunk-store.js";
import { MirroredChunkStore } from "../../src/blob/drivers/mirrored-chunk-store.js";
import { ChunkCorruptError, ChunkNotFoundError } from "../../src/ports/chunk-store.js";
import { chunkStoreConformance } from "./chunk-store.js";

const dir = mkdtempSync(join(tmpdir(), "vitrine-mirrored-chunk-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let stores = 0;
const members = new Map<MirroredChunkStore, FsChunkStore[]>();
async function openMirror(): Promise<MirroredChunkStore> {
  const zones = [1, 2, 3].map((zone) => new FsChunkStore(join(dir, `mirror-${++stores}`, `zone-${zone}`)));
  const mirror = new MirroredChunkStore(zones);
  members.set(mirror, zones);
  return mirror;
}
const chunkPath = (store: FsChunkStore, digest: string) => join(store.root, "chunks", digest.slice(0, 2), digest.slice(2, 4), digest);
const zonesOf = (store: unknown) => members.get(store as MirroredChunkStore) ?? [];

chunkStoreConformance("mirror of 3 fs stores", openMirror, {
  async corrupt(store, digest) {
    for (const zone of zonesOf(store)) {
      const data = await readFile(chunkPath(zone, digest));
      data[0] = (data[0] ?? 0) ^ 0xff;
      await writeFile(chunkPath(zone, digest), data);
    }
  },
  async backdate(store, digest, when) {
    for (const zone of zonesOf(store)) await utimes(chunkPath(zone, digest), when, when);
  },
});

describe("mirrored chunk store", () => {
  const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

  it("writes every chunk to every member", async () => {
    const mirror = await openMirror();
    const data = randomBytes(4096);
    await mirror.put(sha256(data), data);
    for (const zone of zonesOf(mirror)) assert.ok((await zone.get(sha256(data))).equals(data));
  });

  it("reads on from the other members when one loses its files or holds damaged bytes", async () => {
    const mirror = await openMirror();
    const [first, second] = zonesOf(mirror) as [FsChunkStore, FsChunkStore, FsChunkStore];
    const data = randomBytes(4096);
    const digest = sha256(data);
    await mirror.put(digest, data);
    await rm(first.root, { recursive: true, force: true });
    const damaged = await readFile(chunkPath(second, digest));
    damaged[10] = (damaged[10] ?? 0) ^ 1;
    await writeFile(chunkPath(second, digest), damaged);
    assert.ok((await mirror.get(digest)).equals(data), "the third zone's copy");
  });

  it("says a chunk is missing when one member lacks it, and a put repairs that member", async () => {
    const mirror = await openMirror();
    const [first] = zonesOf(mirror) as [FsChunkStore];
    const data = randomBytes(4096);
    const digest = sha256(data);
    await mirror.put(digest, data);
    await first.delete(digest);
    assert.equal(await mirror.has(digest), false);
    await mirror.put(digest, data);
    assert.equal(await first.has(digest), true);
  });

  it("reports damage only when no member has the chunk intact", async () => {
    const mirror = await openMirror();
    const data = randomBytes(4096);
    const digest = sha256(data);
    await assert.rejects(mirror.get(digest), ChunkNotFoundError);
    const [only] = zonesOf(mirror) as [FsChunkStore];
    await only.put(digest, data);
    const damaged = Buffer.from(data);
    damaged[0] = (damaged[0] ?? 0) ^ 1;
    await writeFile(chunkPath(only, digest), damaged);
    await assert.rejects(mirror.get(digest), ChunkCorruptError);
  });
});
