// The conformance suite every ChunkStore driver passes (fs, mirror, Azure Blob, S3):
// `chunkStoreConformance` registers its node:test cases, and a driver's *.test.ts calls it with a
// way to open an empty store. Digests are computed here with node:crypto, independently of src.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { ChunkCorruptError, ChunkNotFoundError, ChunkStoreRefusedError, type ChunkStore } from "../../src/ports/chunk-store.js";

/** What a suite cannot do through the port: reach behind the store to damage or age a chunk. */
export interface ChunkStoreHooks {
  /** Changes the stored bytes of `digest` in place, keeping their length. Without it, that case is skipped. */
  corrupt?(store: ChunkStore, digest: string): Promise<void>;
  /** Sets the writtenAt of `digest` to `when`. Without it, that case is skipped. */
  backdate?(store: ChunkStore, digest: string, when: Date): Promise<void>;
  /** A store of the same service whose credentials the service refuses. Without it, that case is skipped. */
  refused?(): Promise<ChunkStore>;
  /** Why puts racing deletes cannot be tested on this service; unset, they are. */
  notAtomic?: string;
}

type Listed = { digest: string; writtenAt: Date; size: number };

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const KIB = 1024;
const MIB = 1024 * KIB;
/** Slack for file systems that keep modification times to the second (or two). */
const CLOCK_SLACK_MS = 2_000;

function chunk(length = 64 * KIB): { data: Buffer; digest: string } {
  const data = randomBytes(length);
  return { data, digest: sha256(data) };
}

async function listAll(store: ChunkStore): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const entry of store.list()) out.push(entry);
  return out.sort((a, b) => a.digest.localeCompare(b.digest));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail("expected a rejection");
}

/** `open` must give an empty store each time it is called. */
export function chunkStoreConformance(name: string, open: () => Promise<ChunkStore>, hooks: ChunkStoreHooks = {}): void {
  describe(`ChunkStore conformance: ${name}`, () => {
    it("stores a chunk under its digest: put, has, get", async () => {
      const store = await open();
      const { data, digest } = chunk();
      assert.equal(await store.has(digest), false);
      await store.put(digest, data);
      assert.equal(await store.has(digest), true);
      assert.ok((await store.get(digest)).equals(data));
    });

    it("takes a second put of the same chunk as a no-op", async () => {
      const store = await open();
      const { data, digest } = chunk();
      await store.put(digest, data);
      await store.put(digest, Buffer.from(data));
      assert.ok((await store.get(digest)).equals(data));
      assert.deepEqual((await listAll(store)).map((entry) => entry.digest), [digest]);
    });

    it("refuses bytes that do not hash to the digest, and stores nothing", async () => {
      const store = await open();
      const claimed = chunk();
      const other = chunk();
      const error = await rejection(store.put(claimed.digest, other.data));
      assert.ok(error instanceof ChunkCorruptError, `a ChunkCorruptError, not ${String(error)}`);
      assert.equal(error.digest, claimed.digest);
      assert.equal(await store.has(claimed.digest), false);
      assert.equal(await store.has(other.digest), false);
      assert.deepEqual(await listAll(store), []);
    });

    it("takes the caller's word for a verified put, and get still catches a wrong one", async () => {
      const store = await open();
      const good = chunk();
      await store.put(good.digest, good.data, { verified: true });
      assert.ok((await store.get(good.digest)).equals(good.data));
      // A caller that lies about having verified stores garbage; get refuses to return it.
      const claimed = chunk();
      await store.put(claimed.digest, chunk().data, { verified: true });
      assert.ok((await rejection(store.get(claimed.digest))) instanceof ChunkCorruptError);
    });

    it("answers a get of a missing digest with ChunkNotFoundError", async () => {
      const store = await open();
      const { digest } = chunk();
      const error = await rejection(store.get(digest));
      assert.ok(error instanceof ChunkNotFoundError, `a ChunkNotFoundError, not ${String(error)}`);
      assert.equal(error.digest, digest);
      assert.equal(error.store, store.name);
    });

    it("refuses names that are not 64 lower-case hex characters", async () => {
      const store = await open();
      const { data, digest } = chunk();
      for (const bad of ["../../../etc/passwd", `${digest.slice(0, 60)}/../x`, digest.toUpperCase(), digest.slice(1), ""]) {
        await assert.rejects(store.has(bad), `has(${bad})`);
        await assert.rejects(store.get(bad), `get(${bad})`);
        await assert.rejects(store.put(bad, data), `put(${bad})`);
        await assert.rejects(store.delete(bad), `delete(${bad})`);
      }
      assert.deepEqual(await listAll(store), []);
    });

    it("detects bytes damaged in the store: get throws ChunkCorruptError", { skip: !hooks.corrupt && "the driver has no corrupt hook" }, async () => {
      const store = await open();
      const { data, digest } = chunk();
      await store.put(digest, data);
      await hooks.corrupt?.(store, digest);
      const error = await rejection(store.get(digest));
      assert.ok(error instanceof ChunkCorruptError, `a ChunkCorruptError, not ${String(error)}`);
      assert.equal(error.digest, digest);
    });

    it("reads a chunk into a buffer it is given (getInto), verified as get is", async (t) => {
      const store = await open();
      if (!store.getInto) return t.skip("the driver has no getInto");
      const { data, digest } = chunk();
      await store.put(digest, data);
      const into = Buffer.alloc(data.length + 100, 0xaa);
      const got = await store.getInto(digest, into);
      assert.ok(got.equals(data));
      if (got.buffer === into.buffer) assert.ok(into.subarray(data.length).every((byte) => byte === 0xaa), "bytes past the chunk were written");
      // A buffer too short is refused, or not used: the bytes are never cut to fit it.
      const short = Buffer.alloc(data.length - 1);
      const answer = await store.getInto(digest, short).catch((error: unknown) => error);
      if (answer instanceof Error) assert.ok(answer instanceof RangeError, `a RangeError, not ${String(answer)}`);
      else assert.ok(Buffer.isBuffer(answer) && answer.buffer !== short.buffer && answer.equals(data));
      assert.ok((await rejection(store.getInto("0".repeat(64), into))) instanceof ChunkNotFoundError);
      if (hooks.corrupt) {
        await hooks.corrupt(store, digest);
        assert.ok((await rejection(store.getInto(digest, into))) instanceof ChunkCorruptError);
      }
    });

    it("deletes a chunk, and takes the delete of a missing one quietly", async () => {
      const store = await open();
      const { data, digest } = chunk();
      await store.put(digest, data);
      await store.delete(digest);
      assert.equal(await store.has(digest), false);
      assert.ok((await rejection(store.get(digest))) instanceof ChunkNotFoundError);
      await store.delete(digest);
      await store.delete(chunk().digest);
      await store.put(digest, data);
      assert.ok((await store.get(digest)).equals(data), "a deleted chunk can be stored again");
    });

    it("lists every chunk with its size and when it was written", async () => {
      const store = await open();
      assert.deepEqual(await listAll(store), [], "a new store is empty");
      const before = Date.now();
      const kept = [chunk(1), chunk(100 * KIB), chunk(MIB)];
      const dropped = chunk();
      for (const { digest, data } of [...kept, dropped]) await store.put(digest, data);
      await store.delete(dropped.digest);
      const after = Date.now();
      const listed = await listAll(store);
      assert.deepEqual(
        listed.map(({ digest, size }) => ({ digest, size })),
        kept.map(({ digest, data }) => ({ digest, size: data.length })).sort((a, b) => a.digest.localeCompare(b.digest)),
      );
      for (const { writtenAt } of listed) {
        assert.ok(writtenAt instanceof Date);
        assert.ok(writtenAt.getTime() >= before - CLOCK_SLACK_MS && writtenAt.getTime() <= after + CLOCK_SLACK_MS, `written at ${writtenAt.toISOString()}`);
      }
    });

    it("refreshes a chunk without its bytes: true and writtenAt now when present, false when absent", { skip: !hooks.backdate && "the driver has no backdate hook" }, async () => {
      const store = await open();
      const { data, digest } = chunk();
      assert.equal(await store.refresh(digest), false);
      assert.equal(await store.has(digest), false, "a refresh stores nothing");
      await store.put(digest, data);
      const longAgo = new Date("2001-01-01T00:00:00Z");
      await hooks.backdate?.(store, digest, longAgo);
      const before = Date.now();
      assert.equal(await store.refresh(digest), true);
      const writtenAt = (await listAll(store))[0]?.writtenAt.getTime() ?? 0;
      assert.ok(writtenAt >= before - CLOCK_SLACK_MS, `written at ${new Date(writtenAt).toISOString()}`);
      assert.ok((await store.get(digest)).equals(data));
    });

    it("refreshes writtenAt when a chunk already present is put again", { skip: !hooks.backdate && "the driver has no backdate hook" }, async () => {
      // The garbage collector's grace period protects a chunk that an ingest reuses only so.
      const store = await open();
      const { data, digest } = chunk();
      await store.put(digest, data);
      const longAgo = new Date("2001-01-01T00:00:00Z");
      await hooks.backdate?.(store, digest, longAgo);
      assert.equal((await listAll(store))[0]?.writtenAt.getTime(), longAgo.getTime(), "the hook backdates");
      const before = Date.now();
      await store.put(digest, data);
      const writtenAt = (await listAll(store))[0]?.writtenAt.getTime() ?? 0;
      assert.ok(writtenAt >= before - CLOCK_SLACK_MS, `written at ${new Date(writtenAt).toISOString()}`);
    });

    it("keeps a 4 MiB chunk whole", async () => {
      const store = await open();
      const { data, digest } = chunk(4 * MIB);
      await store.put(digest, data);
      assert.ok((await store.get(digest)).equals(data));
      assert.deepEqual((await listAll(store)).map((entry) => entry.size), [4 * MIB]);
    });

    it("takes 20 concurrent puts of the same chunk", async () => {
      const store = await open();
      const { data, digest } = chunk(MIB);
      await Promise.all(Array.from({ length: 20 }, () => store.put(digest, Buffer.from(data))));
      assert.ok((await store.get(digest)).equals(data));
      assert.deepEqual((await listAll(store)).map((entry) => entry.digest), [digest]);
    });

    it("never shows a half-written chunk while puts race deletes", { skip: hooks.notAtomic ?? false }, async () => {
      const store = await open();
      for (let round = 0; round < 5; round++) {
        const { data, digest } = chunk(MIB);
        let writing = true;
        const writers = (async () => {
          for (let turn = 0; turn < 4; turn++) await Promise.all([store.put(digest, data), store.delete(digest), store.put(digest, data)]);
        })().finally(() => (writing = false));
        // Readers poll all along: each get sees the whole chunk or none of it.
        const reader = async () => {
          while (writing) {
            const got = await store.get(digest).catch((error: unknown) => {
              assert.ok(error instanceof ChunkNotFoundError, `round ${round}: a get failed with ${String(error)}`);
              return undefined;
            });
            if (got) assert.ok(got.equals(data), `round ${round}: a get returned other bytes`);
          }
        };
        await Promise.all([writers, reader(), reader()]);
        if (await store.has(digest)) assert.ok((await store.get(digest)).equals(data), `round ${round}: what stays is whole`);
      }
      const listed = await listAll(store);
      assert.ok(listed.every(({ digest, size }) => /^[0-9a-f]{64}$/.test(digest) && size === MIB), "no partial or temporary entries are listed");
    });

    it("keeps a 32 MiB object whole", async () => {
      // Manifests of large disks are objects of tens of MiB: more than one request's worth on some services.
      const store = await open();
      const { data, digest } = chunk(32 * MIB + 1);
      await store.put(digest, data);
      assert.ok((await store.get(digest)).equals(data));
      assert.deepEqual((await listAll(store)).map((entry) => entry.size), [32 * MIB + 1]);
    });

    it("answers for missing chunks quietly: has and refresh false, delete a no-op, list empty", async () => {
      const store = await open();
      const { digest } = chunk();
      assert.equal(await store.has(digest), false);
      assert.equal(await store.refresh(digest), false);
      await store.delete(digest);
      assert.deepEqual(await listAll(store), []);
    });

    it("refuses wrong credentials with ChunkStoreRefusedError, never as a missing chunk", { skip: !hooks.refused && "the driver has no credentials" }, async () => {
      const store = (await hooks.refused?.()) as ChunkStore;
      const { data, digest } = chunk();
      for (const [what, attempt] of [
        ["put", () => store.put(digest, data)],
        ["get", () => store.get(digest)],
        ["has", () => store.has(digest)],
        ["refresh", () => store.refresh(digest)],
        ["delete", () => store.delete(digest)],
        ["list", () => listAll(store)],
      ] as const) {
        const error = await rejection(attempt());
        assert.ok(error instanceof ChunkStoreRefusedError, `${what}: a ChunkStoreRefusedError, not ${String(error)}`);
        assert.equal(error.store, store.name);
      }
    });

    it("copies a chunk from another store of its service inside the service, verified", async (t) => {
      const [from, to] = [await open(), await open()];
      if (!to.copyFrom) return t.skip("the driver has no server-side copy");
      const { data, digest } = chunk(MIB);
      await from.put(digest, data);
      if (!(await to.copyFrom(from, digest))) return t.skip("the driver's stores here cannot copy inside a service (a mirror of directories)");
      assert.ok((await to.get(digest)).equals(data));
      const missing = chunk();
      const error = await rejection(to.copyFrom(from, missing.digest));
      assert.ok(error instanceof ChunkNotFoundError, `a ChunkNotFoundError, not ${String(error)}`);
      assert.equal(await to.has(missing.digest), false);
      const elsewhere = { name: "elsewhere", get: () => Promise.resolve(data) } as unknown as ChunkStore;
      assert.equal(await to.copyFrom(elsewhere, digest), false, "a store of another service is not copied from");
      if (hooks.corrupt) {
        const damaged = chunk();
        await from.put(damaged.digest, damaged.data);
        await hooks.corrupt(from, damaged.digest);
        assert.ok((await rejection(to.copyFrom(from, damaged.digest))) instanceof ChunkCorruptError, "a damaged source is refused");
        assert.equal(await to.has(damaged.digest), false, "and not kept");
      }
    });
  });
}
