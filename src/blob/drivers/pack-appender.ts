// The writing side of a packed chunk store (pack-chunk-store.ts): appends chunks to this
// process's current pack file and records them in the index with a group commit.
//
// A commit syncs every pack its chunks went to (fdatasync), then records their rows in one
// transaction, then makes the index's log durable: a row never points at bytes that a crash could
// lose, and bytes without a row are garbage, not a chunk. An ordinary put waits for the commit
// that takes it; a deferred put (a copy or an ingest that will store a manifest last) resolves
// once its bytes are written, and its row waits for the next commit: sync(), a put that is not
// deferred, or SYNC_BYTES of deferred chunks. Until then the chunk is visible to this process
// only (`unsynced`); if that commit fails, it is gone, and the caller's sync says so.
//
// Chunks start at multiples of 4 KiB and go around the page cache where the file system allows
// (direct-io.ts).
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { alignUp, openFile, writeAll, writeDirect } from "./direct-io.js";
import { syncDirectory } from "./files.js";
import type { IndexedChunk, PackIndex } from "./pack-index.js";

/** A pack takes chunks until it reaches this size; then a new one is started. */
export const PACK_BYTES = 256 * 1024 * 1024;
/** A writer idle this long seals its pack and closes it; the next put starts another. */
const IDLE_SEAL_MS = 30_000;
/** Deferred chunks are committed once they add up to this much. */
const SYNC_BYTES = 256 * 1024 * 1024;

interface Writer {
  name: string;
  handle: FileHandle;
  direct: boolean;
  /** Where the next chunk goes: the pack's length once every write in flight lands. */
  end: number;
  /** Chunks being written to the pack or waiting for their commit: the handle stays open for them. */
  inflight: number;
  /** A newer pack has taken over: this one is sealed and closed once its last chunk is committed. */
  retired: boolean;
  finished: boolean;
  idle?: NodeJS.Timeout;
}

interface Pending {
  /** Absent for a sync's marker. */
  chunk?: IndexedChunk;
  writer?: Writer;
  deferred?: boolean;
  /** A compaction's copy: the row moves here only if the chunk is still where it was read from. */
  from?: IndexedChunk;
  resolve(): void;
  reject(error: unknown): void;
}

export class PackAppender {
  private writer?: Writer;
  private starting?: Promise<Writer>;
  private queue: Pending[] = [];
  private committing = false;
  /** Deferred chunks not committed yet, by digest. */
  private readonly unsyncedChunks = new Map<string, IndexedChunk>();
  private unsyncedBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly index: PackIndex,
    private readonly packBytes = PACK_BYTES,
    private readonly direct = true,
  ) {}

  /** The pack this process appends to now. */
  get current(): { name: string; end: number; inflight: number } | undefined {
    return this.writer;
  }

  unsynced(digest: string): IndexedChunk | undefined {
    return this.unsyncedChunks.get(digest);
  }

  /** A deferred chunk deleted before its commit: its row is not recorded. */
  forget(digest: string): void {
    this.unsyncedChunks.delete(digest);
  }

  async append(digest: string, data: Buffer, options: { deferred?: boolean; from?: IndexedChunk } = {}): Promise<void> {
    const writer = await this.currentWriter();
    const offset = writer.end;
    writer.end += alignUp(data.length);
    writer.inflight += 1;
    clearTimeout(writer.idle);
    try {
      await (writer.direct ? writeDirect : writeAll)(writer.handle, data, offset);
    } catch (error) {
      await this.release(writer);
      throw error;
    }
    const chunk: IndexedChunk = { digest, pack: writer.name, offset, length: data.length, writtenAt: options.from?.writtenAt ?? Date.now() };
    const committed = new Promise<void>((resolve, reject) => this.queue.push({ chunk, writer, deferred: options.deferred, from: options.from, resolve, reject }));
    if (!options.deferred) {
      this.commit();
      return committed;
    }
    committed.catch(() => undefined);
    this.unsyncedChunks.set(digest, chunk);
    this.unsyncedBytes += data.length;
    if (this.unsyncedBytes >= SYNC_BYTES) await this.sync();
  }

  /**
   * Commits every deferred chunk appended so far. A commit that fails loses its deferred chunks
   * (they are neither recorded nor unsynced any more): the caller that checks its own chunks in
   * the index afterwards (PackChunkStore.sync) finds them missing.
   */
  async sync(): Promise<void> {
    if (this.queue.length === 0 && !this.committing) return;
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.commit();
    }).catch(() => undefined);
  }

  /** Seals and closes the current pack if nothing is being written to it (compaction may then take it). */
  async retire(writer = this.writer): Promise<void> {
    if (!writer || this.writer !== writer || writer.inflight > 0) return;
    this.writer = undefined;
    writer.retired = true;
    await this.finish(writer);
  }

  private commit(): void {
    if (this.committing || this.queue.length === 0) return;
    this.committing = true;
    const batch = this.queue;
    this.queue = [];
    void (async () => {
      const chunks = batch.filter((pending) => pending.chunk && (!pending.deferred || this.unsyncedChunks.get(pending.chunk.digest) === pending.chunk));
      try {
        for (const writer of new Set(batch.flatMap((pending) => pending.writer ?? []))) await writer.handle.datasync();
        this.index.record(chunks.flatMap(({ chunk, from }) => (chunk && !from ? [chunk] : [])));
        this.index.move(chunks.flatMap(({ chunk, from }) => (chunk && from ? [{ digest: chunk.digest, from, to: chunk }] : [])));
        await this.index.durable();
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      } finally {
        for (const pending of batch) {
          if (pending.deferred && pending.chunk && this.unsyncedChunks.get(pending.chunk.digest) === pending.chunk) {
            this.unsyncedChunks.delete(pending.chunk.digest);
            this.unsyncedBytes -= pending.chunk.length;
          }
          if (pending.writer) await this.release(pending.writer);
        }
        this.committing = false;
        this.commit();
      }
    })();
  }

  /** One chunk of `writer` written and committed (or failed): the last one closes a retired pack, or arms the idle timer. */
  private async release(writer: Writer): Promise<void> {
    writer.inflight -= 1;
    if (writer.inflight > 0) return;
    if (writer.retired) await this.finish(writer);
    else writer.idle = setTimeout(() => void this.retire(writer).catch(() => undefined), IDLE_SEAL_MS).unref();
  }

  private async currentWriter(): Promise<Writer> {
    const writer = this.writer;
    if (writer && writer.end < this.packBytes) return writer;
    this.starting ??= this.startPack(writer).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Starts a new pack and retires `previous`. The index knows the pack before the file exists, so a crash leaves no file it does not know. */
  private async startPack(previous: Writer | undefined): Promise<Writer> {
    const name = randomUUID();
    this.index.addPack(name);
    const { handle, direct } = await openFile(join(this.dir, `${name}.pack`), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, this.direct);
    await syncDirectory(this.dir);
    const writer: Writer = { name, handle, direct, end: 0, inflight: 0, retired: false, finished: false };
    this.writer = writer;
    if (previous && !previous.finished) {
      previous.retired = true;
      if (previous.inflight === 0) await this.finish(previous);
    }
    return writer;
  }

  private async finish(writer: Writer): Promise<void> {
    if (writer.finished) return;
    writer.finished = true;
    clearTimeout(writer.idle);
    this.index.seal(writer.name);
    await writer.handle.close();
  }
}
