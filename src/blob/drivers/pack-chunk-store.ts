// The chunk store of a local directory, the default for every region: chunks appended to pack
// files (packs/<id>.pack), found through an index (index.sqlite, pack-index.ts). One file per
// chunk cost a file creation and an fdatasync per MiB, several times what writing the same bytes
// into one file costs (docs/benchmarks.md); a pack takes thousands of chunks, and puts that
// arrive together share one fdatasync (group commit).
//
// Each store object (each process) appends to packs of its own (pack-appender.ts), so writers
// never share a file; the index is shared through SQLite's locking. A put resolves once its bytes
// are synced in the pack and its index row is durable, so a crash loses no acknowledged chunk;
// a deferred put, once `sync` has resolved. Deleting removes the row; compaction (after garbage
// collection) rewrites packs that are mostly dead into a new one and removes them. Chunks that
// an earlier version stored as files under chunks/ (fs-chunk-store.ts) are still read, listed,
// refreshed and deleted there.
import { existsSync, mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { ChunkNotFoundError, type ChunkStore, type PutOptions } from "../../ports/chunk-store.js";
import { checkedDigest, sha256Hex, verifiedChunk } from "../digest.js";
import { alignUp } from "./direct-io.js";
import { isNotFound, statIfExists } from "./files.js";
import { FsChunkStore } from "./fs-chunk-store.js";
import { PackAppender } from "./pack-appender.js";
import { PackIndex, type ChunkLocation } from "./pack-index.js";
import { PackReaders } from "./pack-readers.js";

/** An unsealed pack untouched this long belongs to a writer that is gone (killed): compaction may take it. */
const STALE_PACK_MS = 60 * 60_000;
/** Compaction rewrites a finished pack whose chunks fill less than this share of it. */
const MIN_LIVE_SHARE = 0.5;

interface Opened {
  index: PackIndex;
  appender: PackAppender;
  /** The chunks/ directory of the older layout, when there is one. */
  legacy?: FsChunkStore;
}

export interface PackChunkStoreOptions {
  /** The size at which a pack is finished (default 256 MiB); small in tests of compaction. */
  packBytes?: number;
  /** Packs are read and written around the page cache (O_DIRECT) where the file system allows; false: through it. Default true. */
  direct?: boolean;
}

export class PackChunkStore implements ChunkStore {
  readonly name: string;
  private readonly packs: string;
  private opened?: Opened;
  /** Puts in flight by digest: concurrent puts of one chunk write it once. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly readers: PackReaders;

  constructor(
    readonly root: string,
    private readonly options: PackChunkStoreOptions = {},
  ) {
    this.readers = new PackReaders(options.direct);
    this.name = `fs:${root}`;
    this.packs = join(root, "packs");
  }

  async has(digest: string): Promise<boolean> {
    const { index, appender, legacy } = await this.ready();
    return index.get(checkedDigest(digest)) !== undefined || appender.unsynced(digest) !== undefined || ((await legacy?.has(digest)) ?? false);
  }

  /** A chunk already present is not written again; its writtenAt is set to now (garbage collection's grace period). */
  async put(digest: string, data: Buffer, options: PutOptions = {}): Promise<void> {
    checkedDigest(digest);
    if (!options.verified) verifiedChunk(this.name, digest, data);
    const opened = await this.ready();
    const { appender } = opened;
    if (await this.refreshIn(opened, digest)) {
      // Present, but perhaps as another caller's deferred put: an ordinary put is durable when it resolves.
      if (!options.deferred && appender.unsynced(digest)) await this.sync([digest]);
      return;
    }
    let inflight = this.writing.get(digest);
    if (!inflight) {
      inflight = appender.append(digest, data, { deferred: options.deferred }).finally(() => this.writing.delete(digest));
      this.writing.set(digest, inflight);
    }
    return inflight;
  }

  async refresh(digest: string): Promise<boolean> {
    return this.refreshIn(await this.ready(), digest);
  }

  private async refreshIn({ index, appender, legacy }: Opened, digest: string): Promise<boolean> {
    const now = Date.now();
    if (index.touch(checkedDigest(digest), now)) return true;
    const unsynced = appender.unsynced(digest);
    if (unsynced) unsynced.writtenAt = now;
    return unsynced !== undefined || ((await legacy?.refresh(digest)) ?? false);
  }

  async get(digest: string): Promise<Buffer> {
    return this.reading(
      digest,
      async (location) => verifiedChunk(this.name, digest, await this.read(location)),
      (legacy) => this.fromLegacy(legacy, digest),
    );
  }

  async getInto(digest: string, into: Buffer): Promise<Buffer> {
    return this.reading(
      digest,
      async (location) => {
        if (into.length < location.length) throw new RangeError(`a ${into.length}-byte buffer for the ${location.length} bytes of ${digest}`);
        return this.readers.readWith(this.packPath(location.pack), location.offset, location.length, async (data) => into.subarray(0, verifiedChunk(this.name, digest, data).copy(into)));
      },
      (legacy) => this.fromLegacy(legacy, digest),
    );
  }

  /** A chunk that no pack holds: from the older layout's store, if there is one. */
  private async fromLegacy(legacy: FsChunkStore | undefined, digest: string): Promise<Buffer> {
    if (legacy) return legacy.get(digest);
    throw new ChunkNotFoundError(this.name, digest);
  }

  /**
   * From another local store, the chunk goes from its pack into this store's through one reused
   * buffer (direct-io.ts, withDirectRead): no Buffer is allocated per chunk. Verified on the way;
   * deferred, as the copy's puts are (durable at the next sync). False when `source` is not a
   * local store, or holds the chunk only in its older layout: the caller then gets and puts.
   */
  async copyFrom(source: ChunkStore, digest: string): Promise<boolean> {
    if (!(source instanceof PackChunkStore)) return false;
    return source.reading(
      digest,
      (location) =>
        source.readers.readWith(source.packPath(location.pack), location.offset, location.length, async (data) => {
          await this.put(digest, verifiedChunk(source.name, digest, data), { verified: true, deferred: true });
          return true;
        }),
      async (legacy) => {
        if (await legacy?.has(digest)) return false;
        throw new ChunkNotFoundError(source.name, digest);
      },
    );
  }

  /**
   * `read` of where the chunk lies in this store's packs, or `elsewhere` (given the older layout's
   * store, if any) when no pack holds it. A pack can vanish between reading the index and opening
   * it: compaction moved its chunks elsewhere first, so the index, read again, says where.
   */
  private async reading<T>(digest: string, read: (location: ChunkLocation) => Promise<T>, elsewhere: (legacy: FsChunkStore | undefined) => Promise<T>): Promise<T> {
    const { index, appender, legacy } = await this.ready();
    checkedDigest(digest);
    for (let attempt = 1; ; attempt++) {
      const location = index.get(digest) ?? appender.unsynced(digest);
      if (!location) return elsewhere(legacy);
      try {
        return await read(location);
      } catch (error) {
        if (!isNotFound(error) || attempt === 3) throw error;
      }
    }
  }

  async delete(digest: string): Promise<void> {
    const { index, appender, legacy } = await this.ready();
    index.delete(checkedDigest(digest));
    appender.forget(digest);
    await legacy?.delete(digest);
  }

  /** Makes every deferred put durable and visible to other processes; throws ChunkNotFoundError for one of `digests` that is not stored. */
  async sync(digests: Iterable<string>): Promise<void> {
    const { index, appender, legacy } = await this.ready();
    await appender.sync();
    for (const digest of digests) {
      if (!index.get(digest) && !(await legacy?.has(digest))) throw new ChunkNotFoundError(this.name, digest);
    }
  }

  /** Committed chunks: a deferred put is listed once synced. */
  async *list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }> {
    const { index, legacy } = await this.ready();
    for (const chunk of index.list()) yield { digest: chunk.digest, writtenAt: new Date(chunk.writtenAt), size: chunk.length };
    if (legacy) yield* legacy.list();
  }

  /**
   * Reclaims the space of deleted chunks: a finished pack (sealed, or left unsealed by a writer
   * gone for an hour) in which live chunks fill less than half is rewritten, its chunks (verified)
   * appended to this store's current pack, and removed; so is a pack with no live chunk at all.
   * A chunk that fails verification is left where it is, and so is its pack.
   */
  async compact(): Promise<{ packsRemoved: number; bytesFreed: number }> {
    const { index, appender } = await this.ready();
    const result = { packsRemoved: 0, bytesFreed: 0 };
    for (const { pack, bytes } of index.liveBytes()) {
      const own = appender.current;
      if (pack === own?.name) {
        // This store's own pack, while nothing is being written to it: finished now, and the next put starts another.
        if (own.inflight > 0 || bytes >= own.end * MIN_LIVE_SHARE) continue;
        await appender.retire();
      }
      // No file: a writer has just named its new pack and is creating it (or crashed doing so).
      const stats = await statIfExists(this.packPath(pack));
      if (!stats) continue;
      const finished = index.isSealed(pack) || Date.now() - stats.mtimeMs > STALE_PACK_MS;
      if (!finished || (bytes > 0 && bytes >= stats.size * MIN_LIVE_SHARE)) continue;
      let moved = 0;
      for (const chunk of index.chunksIn(pack)) {
        const data = await this.read(chunk).catch(() => undefined);
        if (!data || sha256Hex(data) !== chunk.digest) continue;
        await appender.append(chunk.digest, data, { from: chunk });
        moved += alignUp(chunk.length);
      }
      if (!index.dropPack(pack)) continue;
      await rm(this.packPath(pack), { force: true });
      await this.readers.forget(this.packPath(pack));
      result.packsRemoved += 1;
      result.bytesFreed += stats.size - moved;
    }
    return result;
  }

  /** A pack shorter than its index says gives fewer bytes: what is missing fails the caller's digest check. */
  private read(location: ChunkLocation): Promise<Buffer> {
    return this.readers.read(this.packPath(location.pack), location.offset, location.length);
  }

  private packPath(name: string): string {
    return join(this.packs, `${name}.pack`);
  }

  /**
   * The index, after a turn of the event loop: its SQLite calls are synchronous, and a caller
   * that polls a store (has, get of a missing chunk) must still let I/O run, as with any other store.
   */
  private async ready(): Promise<Opened> {
    await setImmediate();
    return this.open();
  }

  private open(): Opened {
    if (!this.opened) {
      mkdirSync(this.packs, { recursive: true });
      const legacy = existsSync(join(this.root, "chunks")) ? new FsChunkStore(this.root) : undefined;
      const index = new PackIndex(join(this.root, "index.sqlite"));
      this.opened = { index, appender: new PackAppender(this.packs, index, this.options.packBytes, this.options.direct), legacy };
    }
    return this.opened;
  }
}
