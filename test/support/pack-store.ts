// Behind a local chunk store's back (src/blob/drivers/pack-chunk-store.ts): its index, read with
// SQLite as another process would, and its pack files, for tests that count, age or damage what
// a region holds on disk.
import { existsSync, readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";

function indexOf<T>(root: string, use: (db: SqliteDatabase.Database) => T): T | undefined {
  const path = join(root, "index.sqlite");
  if (!existsSync(path)) return undefined;
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    return use(db);
  } finally {
    db.close();
  }
}

/** The digests a local store at `root` holds (its index's rows). */
export function storedChunks(root: string): string[] {
  return indexOf(root, (db) => db.prepare<[], { digest: string }>("SELECT digest FROM chunks ORDER BY digest").all().map((row) => row.digest)) ?? [];
}

/** The digests held by every local store under `dir` (a region's targets/, say). */
export function storedChunksUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [...storedChunks(join(dir, entry.name)), ...storedChunksUnder(join(dir, entry.name))]);
}

/** Where a chunk lies: its pack file, offset and length; undefined when the store lacks it. */
export function chunkLocation(root: string, digest: string): { path: string; offset: number; length: number } | undefined {
  const row = indexOf(root, (db) => db.prepare<[string], { pack: string; position: number; length: number }>("SELECT pack, position, length FROM chunks WHERE digest = ?").get(digest));
  return row && { path: join(root, "packs", `${row.pack}.pack`), offset: row.position, length: row.length };
}

/** Overwrites a stored chunk's bytes in its pack with `fill`, keeping their length; false when the store lacks it. */
export async function damageChunk(root: string, digest: string, fill = 0xff): Promise<boolean> {
  const at = chunkLocation(root, digest);
  if (!at) return false;
  const file = await open(at.path, "r+");
  try {
    await file.write(Buffer.alloc(at.length, fill), 0, at.length, at.offset);
  } finally {
    await file.close();
  }
  return true;
}

/** Sets a stored chunk's writtenAt. */
export function backdateChunk(root: string, digest: string, when: Date): void {
  indexOf(root, (db) => db.prepare("UPDATE chunks SET written_at = ? WHERE digest = ?").run(when.getTime(), digest));
}

/** Bytes of chunk data under `dir`: the pack files of its local stores (their indexes aside). */
export function packBytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += packBytesUnder(path);
    else if (entry.name.endsWith(".pack")) total += statSync(path).size;
  }
  return total;
}
