// The staging area of direct uploads. A page write that covers a whole 1 MiB chunk of the disk (as the
// 4 MiB writes clients send do, four at a time) is hashed and stored in the region's chunk store
// at once, so that a finished upload is already ingested but for its manifest: the bytes are
// written once, not staged and then copied. Anything smaller goes to a sparse staging file at its
// offset. A journal (upload-journal.ts) records every write, clear and stored chunk in order; it
// is how the ingest knows what to read (everything else is zeros), and how an upload survives a
// restart. A page write is acknowledged only once its bytes and its record are on disk.
//
// Writes and clears that touch the same chunk are serialized, so that a chunk is always either in
// the store or in the staging file and the journal says which (upload-journal.ts).

import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rm, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { errors } from "../core/errors.js";
import type { ChunkStore } from "../ports/chunk-store.js";
import { sha256Hex } from "./digest.js";
import type { Extent, RangeReader } from "./disk-image.js";
import { CHUNK_SIZE, type ManifestChunk } from "./manifest.js";
import { chunkRecord, clearRecord, replay, writeRecord, type UploadState } from "./upload-journal.js";
import { isAllZero } from "./zeros.js";

const PAGE = 512;
const MAX_PAGE_WRITE = 4 * 1024 * 1024;

interface Meta {
  size: number;
  /** Where whole chunks are stored as they arrive; absent in uploads staged before chunks were. */
  region?: string;
  /** The bytes at the start of the upload that are the disk (a VHD's footer follows them): only its chunks are stored. */
  diskSize?: number;
}

interface OpenUpload extends Meta {
  data: FileHandle;
  journal: FileHandle;
  state: UploadState;
  store: ChunkStore | undefined;
  /** Chunk index to the work holding it: writes and clears of one chunk run one at a time. */
  locks: Map<number, Promise<void>>;
  /** The journal appends, one after another in the order the state was changed. */
  appending: Promise<void>;
}

/** A journal record, and the same change applied to the upload's state. */
type Change = [record: Buffer, apply: () => void];

export interface StagedUpload {
  size: number;
  region: string | undefined;
  /** Ranges in the staging file, ascending and merged; with `chunks`, everything written. */
  extents: Extent[];
  /** Whole chunks of the disk already in the region's store, ascending. */
  chunks: ManifestChunk[];
  /** The upload's bytes: staged ranges, stored chunks, zeros elsewhere. */
  reader: RangeReader;
}

export class UploadStaging {
  private readonly open = new Map<string, Promise<OpenUpload>>();

  constructor(
    private readonly root: string,
    private readonly storeFor: (region: string) => ChunkStore,
  ) {}

  /** A new upload of `size` bytes, of which the first `diskSize` are a disk of `region` whose whole chunks are stored as they arrive. */
  async create(size: number, region: string, diskSize: number): Promise<string> {
    const id = randomUUID();
    await mkdir(this.root, { recursive: true });
    await writeFile(this.file(id, "meta"), JSON.stringify({ size, region, diskSize } satisfies Meta));
    const data = await open(this.file(id, "data"), "w");
    await data.truncate(size);
    await data.close();
    await writeFile(this.file(id, "journal"), Buffer.alloc(0));
    return id;
  }

  async writePages(id: string, offset: number, bytes: Buffer): Promise<void> {
    const upload = await this.handles(id);
    checkRange(offset, bytes.length, upload.size);
    const parts: Array<{ index: number; start: number; end: number }> = [];
    for (let start = offset; start < offset + bytes.length; ) {
      const index = Math.floor(start / CHUNK_SIZE);
      const end = Math.min(offset + bytes.length, (index + 1) * CHUNK_SIZE);
      parts.push({ index, start, end });
      start = end;
    }
    let staged = false;
    const write = async ({ index, start, end }: (typeof parts)[number]): Promise<Change> => {
      const piece = bytes.subarray(start - offset, end - offset);
      if (upload.store && start === index * CHUNK_SIZE && end === start + CHUNK_SIZE && end <= (upload.diskSize ?? 0)) {
        if (isAllZero(piece)) return [clearRecord(start, piece.length), () => upload.state.clear(start, piece.length)];
        const digest = sha256Hex(piece);
        await upload.store.put(digest, piece, { verified: true });
        return [chunkRecord(index, digest), () => upload.state.chunk(index, digest)];
      }
      await this.unstore(upload, index);
      await upload.data.write(piece, 0, piece.length, start);
      staged = true;
      return [writeRecord(start, piece.length), () => upload.state.write(start, piece.length)];
    };
    await this.exclusive(
      upload,
      parts.map((part) => part.index),
      async () => {
        const changes = await Promise.all(parts.map(write));
        if (staged) await upload.data.datasync();
        await this.append(upload, changes);
      },
    );
  }

  async clearPages(id: string, offset: number, length: number): Promise<void> {
    const upload = await this.handles(id);
    checkRange(offset, length, upload.size, Number.MAX_SAFE_INTEGER);
    const end = offset + length;
    // Only the chunks a clear cuts into need their stored bytes moved to the staging file first.
    const first = Math.floor(offset / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const edges = [...new Set([first, last])].filter((index) => index * CHUNK_SIZE < offset || Math.min((index + 1) * CHUNK_SIZE, upload.size) > end);
    await this.exclusive(upload, edges, async () => {
      for (const index of edges) await this.unstore(upload, index);
      await this.append(upload, [[clearRecord(offset, length), () => upload.state.clear(offset, length)]]);
    });
  }

  /** What was uploaded: its size, what is staged and stored, and a reader of its bytes. */
  async staged(id: string): Promise<StagedUpload> {
    const upload = await this.handles(id);
    await upload.appending;
    const extents = upload.state.extents();
    const chunks = [...upload.state.chunks].map(([index, digest]) => ({ index, digest })).sort((a, b) => a.index - b.index);
    const reader: RangeReader = {
      size: upload.size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(length);
        const stop = offset + length;
        for (const extent of extents) {
          const from = Math.max(offset, extent.offset);
          const to = Math.min(stop, extent.offset + extent.length);
          if (from < to) await upload.data.read(buffer, from - offset, to - from, from);
        }
        for (const { index, digest } of chunks) {
          const chunkStart = index * CHUNK_SIZE;
          const from = Math.max(offset, chunkStart);
          const to = Math.min(stop, chunkStart + CHUNK_SIZE);
          if (from < to && upload.store) (await upload.store.get(digest)).copy(buffer, from - offset, from - chunkStart, to - chunkStart);
        }
        return buffer;
      },
      close: async () => undefined,
    };
    return { size: upload.size, region: upload.region, extents, chunks, reader };
  }

  /** The digests of the chunks that uploads to `region` have stored but no manifest lists yet: garbage collection must keep them. */
  async storedChunks(region: string): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const digests: string[] = [];
    for (const name of names.filter((n) => n.endsWith(".meta"))) {
      const id = name.slice(0, -".meta".length);
      const upload = await this.handles(id).catch(() => undefined);
      if (upload?.region === region) digests.push(...upload.state.chunks.values());
    }
    return digests;
  }

  async discard(id: string): Promise<void> {
    const pending = this.open.get(id);
    this.open.delete(id);
    if (pending) {
      const upload = await pending.catch(() => undefined);
      await upload?.appending;
      await Promise.all([upload?.data.close(), upload?.journal.close()]);
    }
    await Promise.all(["meta", "data", "journal"].map((kind) => rm(this.file(id, kind), { force: true })));
  }

  /** Moves a stored chunk's bytes into the staging file (durably) before part of it changes. */
  private async unstore(upload: OpenUpload, index: number): Promise<void> {
    const digest = upload.state.chunks.get(index);
    if (digest === undefined || !upload.store) return;
    const bytes = await upload.store.get(digest);
    await upload.data.write(bytes, 0, bytes.length, index * CHUNK_SIZE);
    await upload.data.datasync();
    await this.append(upload, [[writeRecord(index * CHUNK_SIZE, bytes.length), () => upload.state.write(index * CHUNK_SIZE, bytes.length)]]);
  }

  /**
   * Applies the changes to the state now and appends their records after those before them;
   * resolves once they are on disk. If the append fails, the state keeps changes the journal
   * lacks: they were never acknowledged, so whether they take effect is unspecified either way.
   */
  private append(upload: OpenUpload, changes: Change[]): Promise<void> {
    for (const [, apply] of changes) apply();
    const records = Buffer.concat(changes.map(([record]) => record));
    const appended = upload.appending.then(async () => {
      await upload.journal.write(records);
    });
    upload.appending = appended.catch(() => undefined);
    return appended.then(() => upload.journal.datasync());
  }

  /** Runs `work` once every chunk of `indexes` is free, holding them until it settles. */
  private async exclusive<T>(upload: OpenUpload, indexes: readonly number[], work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Taken in one synchronous step: two works that share chunks queue in the same order on all of them.
    const before = indexes.map((index) => upload.locks.get(index));
    for (const index of indexes) upload.locks.set(index, held);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      release();
      for (const index of indexes) if (upload.locks.get(index) === held) upload.locks.delete(index);
    }
  }

  private handles(id: string): Promise<OpenUpload> {
    let pending = this.open.get(id);
    if (!pending) {
      pending = (async () => {
        const meta = JSON.parse(await readFile(this.file(id, "meta"), "utf8")) as Meta;
        const state = replay(await readFile(this.file(id, "journal")));
        const data = await open(this.file(id, "data"), "r+");
        const journal = await open(this.file(id, "journal"), "a");
        const store = meta.region === undefined ? undefined : this.storeFor(meta.region);
        return { ...meta, data, journal, state, store, locks: new Map(), appending: Promise.resolve() };
      })();
      pending.catch(() => this.open.delete(id));
      this.open.set(id, pending);
    }
    return pending;
  }

  private file(id: string, kind: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not an upload id: ${id}`);
    return join(this.root, `${id}.${kind}`);
  }
}

function checkRange(offset: number, length: number, size: number, maxLength = MAX_PAGE_WRITE): void {
  if (offset % PAGE !== 0 || length % PAGE !== 0) throw errors.invalidPageWrite(`Page ranges must be aligned to 512 bytes (offset ${offset}, length ${length}).`);
  if (length === 0 || length > maxLength) throw errors.invalidPageWrite(`A page write carries 512 bytes to 4 MiB, not ${length}.`);
  if (offset + length > size) throw errors.invalidPageWrite(`The range ends at ${offset + length}, past the disk's ${size} bytes.`);
}
