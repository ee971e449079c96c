// The index of a packed chunk store (pack-chunk-store.ts): where each chunk lies (pack file,
// offset, length) and when it was written, in a SQLite database beside the packs, shared by
// every process that opens the store (SQLite's own locking; a local file system, not NFS).
//
// Durability: the connection commits without fsync (WAL, synchronous=NORMAL), so that no commit
// blocks the event loop on the disk; `durable()` then fdatasyncs the write-ahead log on libuv's
// threads, which makes every commit before it survive a power loss. The pack store calls it after
// recording new chunks, and resolves their puts only then.
import { open } from "node:fs/promises";
import SqliteDatabase from "better-sqlite3";
import { ALIGNMENT } from "./direct-io.js";

export interface ChunkLocation {
  pack: string;
  offset: number;
  length: number;
}

export interface IndexedChunk extends ChunkLocation {
  digest: string;
  writtenAt: number;
}

const BUSY_TIMEOUT_MS = 5000;
/** Rows listed per query: `list` pages through the index without holding it all. */
const LIST_PAGE = 1000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS chunks (digest TEXT PRIMARY KEY, pack TEXT NOT NULL, position INTEGER NOT NULL, length INTEGER NOT NULL, written_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS chunks_by_pack ON chunks (pack);
  CREATE TABLE IF NOT EXISTS packs (name TEXT PRIMARY KEY, sealed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
`;

export class PackIndex {
  private readonly db: SqliteDatabase.Database;
  private readonly walPath: string;
  private readonly statements;
  private readonly touches = new Map<string, number>();
  private touching?: NodeJS.Immediate;

  constructor(path: string) {
    this.db = new SqliteDatabase(path);
    this.walPath = `${path}-wal`;
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Many stores are open in one process (every region's targets): keep each one's page cache small.
      this.db.pragma("cache_size = -512");
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    this.statements = {
      get: db.prepare<[string], { pack: string; offset: number; length: number }>("SELECT pack, position AS offset, length FROM chunks WHERE digest = ?"),
      upsert: db.prepare<[string, string, number, number, number]>(
        "INSERT INTO chunks (digest, pack, position, length, written_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (digest) DO UPDATE SET pack = excluded.pack, position = excluded.position, length = excluded.length, written_at = excluded.written_at",
      ),
      move: db.prepare<[string, number, string, string, number]>("UPDATE chunks SET pack = ?, position = ? WHERE digest = ? AND pack = ? AND position = ?"),
      touch: db.prepare<[number, string]>("UPDATE chunks SET written_at = ? WHERE digest = ?"),
      delete: db.prepare<[string]>("DELETE FROM chunks WHERE digest = ?"),
      page: db.prepare<[string, number], { digest: string; pack: string; offset: number; length: number; written_at: number }>(
        "SELECT digest, pack, position AS offset, length, written_at FROM chunks WHERE digest > ? ORDER BY digest LIMIT ?",
      ),
      inPack: db.prepare<[string], { digest: string; offset: number; length: number; written_at: number }>("SELECT digest, position AS offset, length, written_at FROM chunks WHERE pack = ? ORDER BY position"),
      liveBytes: db.prepare<[], { pack: string; bytes: number }>(`SELECT packs.name AS pack, COALESCE(SUM((chunks.length + ${ALIGNMENT - 1}) / ${ALIGNMENT} * ${ALIGNMENT}), 0) AS bytes FROM packs LEFT JOIN chunks ON chunks.pack = packs.name GROUP BY packs.name`),
      addPack: db.prepare<[string]>("INSERT INTO packs (name) VALUES (?)"),
      seal: db.prepare<[string]>("UPDATE packs SET sealed = 1 WHERE name = ?"),
      sealed: db.prepare<[string], { sealed: number }>("SELECT sealed FROM packs WHERE name = ?"),
      dropPack: db.prepare<[string, string]>("DELETE FROM packs WHERE name = ? AND NOT EXISTS (SELECT 1 FROM chunks WHERE pack = ?)"),
    };
  }

  get(digest: string): ChunkLocation | undefined {
    return this.statements.get.get(digest);
  }

  /** Records chunks just written (and synced) to their packs, in one transaction; an existing row takes the new place. */
  record(chunks: readonly IndexedChunk[]): void {
    this.db.transaction(() => {
      for (const c of chunks) this.statements.upsert.run(c.digest, c.pack, c.offset, c.length, c.writtenAt);
    })();
  }

  /** Points chunks at their copies in another pack, each only if it is still where it was read from. */
  move(moves: ReadonlyArray<{ digest: string; from: ChunkLocation; to: ChunkLocation }>): void {
    this.db.transaction(() => {
      for (const m of moves) this.statements.move.run(m.to.pack, m.to.offset, m.digest, m.from.pack, m.from.offset);
    })();
  }

  /**
   * Sets a chunk's writtenAt, in a transaction with the other touches of this turn of the event
   * loop (a copy refreshes thousands of chunks a target already has: one commit each cost more
   * than the rest of the refresh); false when the index has no such chunk.
   */
  touch(digest: string, writtenAt: number): boolean {
    if (!this.get(digest)) return false;
    this.touches.set(digest, writtenAt);
    this.touching ??= setImmediate(() => this.flushTouches());
    return true;
  }

  /** Applies the touches not yet written (list does first, so that garbage collection sees them). */
  flushTouches(): void {
    clearImmediate(this.touching);
    this.touching = undefined;
    if (this.touches.size === 0) return;
    const touches = [...this.touches];
    this.touches.clear();
    this.db.transaction(() => {
      for (const [digest, at] of touches) this.statements.touch.run(at, digest);
    })();
  }

  delete(digest: string): void {
    this.statements.delete.run(digest);
  }

  *list(): Generator<IndexedChunk> {
    this.flushTouches();
    let after = "";
    for (;;) {
      const rows = this.statements.page.all(after, LIST_PAGE);
      for (const row of rows) yield { digest: row.digest, pack: row.pack, offset: row.offset, length: row.length, writtenAt: row.written_at };
      const last = rows.at(-1);
      if (!last || rows.length < LIST_PAGE) return;
      after = last.digest;
    }
  }

  chunksIn(pack: string): IndexedChunk[] {
    return this.statements.inPack.all(pack).map((row) => ({ digest: row.digest, pack, offset: row.offset, length: row.length, writtenAt: row.written_at }));
  }

  /** Every pack with the bytes that the chunks the index places in it take there (each from a 4 KiB boundary: direct-io.ts). */
  liveBytes(): Array<{ pack: string; bytes: number }> {
    return this.statements.liveBytes.all();
  }

  addPack(name: string): void {
    this.statements.addPack.run(name);
  }

  /** Marks a pack as written to its end: nothing will be appended to it again. */
  seal(name: string): void {
    this.statements.seal.run(name);
  }

  isSealed(name: string): boolean {
    return this.statements.sealed.get(name)?.sealed === 1;
  }

  /** Forgets a pack that no chunk lies in any more; false while one still does. */
  dropPack(name: string): boolean {
    return this.statements.dropPack.run(name, name).changes > 0;
  }

  /** Makes every commit so far durable (see the file's comment). */
  async durable(): Promise<void> {
    const wal = await open(this.walPath, "r+").catch((error: NodeJS.ErrnoException) => {
      // No log: everything is in the database file, which a checkpoint synced.
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (!wal) return;
    try {
      await wal.datasync();
    } finally {
      await wal.close();
    }
  }
}
