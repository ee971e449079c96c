// The older layout of a local directory's chunk store: each chunk a file at
// chunks/<2 hex>/<2 hex>/<digest> (two levels of 256 directories keep each one small). The
// regions' stores now keep chunks in packs (pack-chunk-store.ts), which still read, list and
// delete the chunks an earlier version stored here through this class.
//
// Durability: a put writes a temporary file in the chunk's directory, fdatasyncs it, renames it
// to its name and fsyncs the directory, so once put resolves the chunk survives a crash, and a
// reader sees either the whole chunk or none. Concurrent puts of one digest each write their own
// temporary file; the last rename wins with the same bytes.
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import { ChunkNotFoundError, type ChunkStore, type PutOptions } from "../../ports/chunk-store.js";
import { checkedDigest, verifiedChunk } from "../digest.js";
import { isNotFound, statIfExists, syncDirectory } from "./files.js";

const FANOUT = /^[0-9a-f]{2}$/;

export class FsChunkStore implements ChunkStore {
  readonly name: string;
  private readonly chunks: string;
  /** Fan-out directories known to exist: a put skips their mkdir (at most 65,536 short strings). */
  private readonly made = new Set<string>();

  constructor(readonly root: string) {
    this.name = `fs:${root}`;
    this.chunks = join(root, "chunks");
  }

  async has(digest: string): Promise<boolean> {
    return (await statIfExists(this.path(digest))) !== undefined;
  }

  /**
   * Refuses bytes that do not hash to `digest` (ChunkCorruptError), unless `verified`. A chunk already present is not
   * written again, but its modification time, which `list` reports as writtenAt, is set to now:
   * the garbage collector's grace period then protects a chunk that an ingest has just reused.
   */
  async put(digest: string, data: Buffer, options: PutOptions = {}): Promise<void> {
    const path = this.path(digest);
    if (!options.verified) verifiedChunk(this.name, digest, data);
    // A file of another length is a damaged chunk and is replaced below; one of the right length
    // is trusted (damage inside it shows on get; delete it, then put it again, to repair it).
    const existing = await statIfExists(path);
    if (existing?.size === data.length && (await touch(path))) return;

    const dir = join(this.chunks, digest.slice(0, 2), digest.slice(2, 4));
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    // Named so that `list`, which takes 64-hex names only, never reports it.
    const temp = join(dir, `.${digest}.${randomUUID()}.tmp`);
    try {
      const file = await open(temp, "wx");
      try {
        await file.writeFile(data);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(dir);
  }

  refresh(digest: string): Promise<boolean> {
    return touch(this.path(digest));
  }

  async get(digest: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.path(digest));
    } catch (error) {
      if (isNotFound(error)) throw new ChunkNotFoundError(this.name, digest);
      throw error;
    }
    return verifiedChunk(this.name, digest, data);
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async *list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }> {
    for (const first of await entries(this.chunks, FANOUT)) {
      for (const second of await entries(join(this.chunks, first), FANOUT)) {
        const dir = join(this.chunks, first, second);
        for (const name of await entries(dir, /^[0-9a-f]{64}$/)) {
          if (!name.startsWith(first + second)) continue;
          // Deleted since the directory was read: not stored any more.
          const stats = await statIfExists(join(dir, name));
          if (stats) yield { digest: name, writtenAt: stats.mtime, size: stats.size };
        }
      }
    }
  }

  private path(digest: string): string {
    // Digests become paths: anything but 64 lower-case hex characters could leave the directory.
    checkedDigest(digest);
    return join(this.chunks, digest.slice(0, 2), digest.slice(2, 4), digest);
  }
}

/** Sets the file's times to now; false when it is gone. */
async function touch(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The names in `dir` that match `pattern`; none when the directory does not exist. */
async function entries(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
