// Open pack files for reading, kept between reads: a replica read or a copy reads thousands of
// chunks from a few packs, and opening the file for each one doubled the system calls per chunk.
// At most MAX_OPEN handles stay open; one in use is never closed under its reader. A pack that
// compaction removes stays readable through a handle opened before (POSIX keeps an unlinked file
// for its open descriptors), and its bytes are still the chunk's: the caller verifies them anyway.
// Packs are read around the page cache where the file system allows (direct-io.ts).
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { openFile, readDirect, withDirectRead, type OpenedFile } from "./direct-io.js";

const MAX_OPEN = 32;
/** Handles unused this long are closed. */
const IDLE_CLOSE_MS = 30_000;

interface Entry {
  file: Promise<OpenedFile>;
  users: number;
}

export class PackReaders {
  /** In order of last use, oldest first (a Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<string, Entry>();
  private idle?: NodeJS.Timeout;

  constructor(private readonly direct = true) {}

  /** `length` bytes at `offset` of the file at `path`; fewer when the file ends sooner. */
  read(path: string, offset: number, length: number): Promise<Buffer> {
    return this.using(path, ({ handle, direct }) => (direct ? readDirect : readBuffered)(handle, offset, length));
  }

  /** Calls `use` with the bytes `read` would return, in a buffer that may be reused once `use` settles (withDirectRead). */
  readWith<T>(path: string, offset: number, length: number, use: (data: Buffer) => Promise<T>): Promise<T> {
    return this.using(path, async ({ handle, direct }) => (direct ? withDirectRead(handle, offset, length, use) : use(await readBuffered(handle, offset, length))));
  }

  private async using<T>(path: string, work: (file: OpenedFile) => Promise<T>): Promise<T> {
    const entry = this.acquire(path);
    try {
      return await work(await entry.file);
    } finally {
      entry.users -= 1;
      await this.trim(MAX_OPEN);
      this.idle ??= setTimeout(() => {
        this.idle = undefined;
        void this.trim(0);
      }, IDLE_CLOSE_MS).unref();
    }
  }

  /** Closes the handle of a file this process has just removed. */
  async forget(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry || entry.users > 0) return;
    this.entries.delete(path);
    await closeQuietly(entry.file);
  }

  private acquire(path: string): Entry {
    let entry = this.entries.get(path);
    if (entry) this.entries.delete(path);
    else {
      const file = openFile(path, constants.O_RDONLY, this.direct);
      entry = { file, users: 0 };
      // A failed open is not kept: the next read tries again (and sees ENOENT itself).
      file.catch(() => this.entries.get(path) === entry && this.entries.delete(path));
    }
    entry.users += 1;
    this.entries.set(path, entry);
    return entry;
  }

  /** Closes unused handles, oldest first, until at most `keep` are open. */
  private async trim(keep: number): Promise<void> {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= keep) return;
      if (entry.users > 0) continue;
      this.entries.delete(path);
      await closeQuietly(entry.file);
    }
  }
}

async function closeQuietly(file: Promise<OpenedFile>): Promise<void> {
  await file.then(({ handle }) => handle.close()).catch(() => undefined);
}

async function readBuffered(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(data, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return data.subarray(0, done);
}
