// The staging area of direct uploads: a sparse file per upload receives Azure's page writes at
// their offsets, and a journal records which ranges were written or cleared, in order. Node
// cannot ask the kernel where a sparse file has data, so the journal is how the ingest knows
// which ranges to read: everything never written is zero and is not read at all.
//
// A page write is acknowledged only once its bytes and its journal record are on disk (fdatasync),
// so an upload survives a crash of the server as Azure's does.

import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rm, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { errors } from "../core/errors.js";
import type { Extent, RangeReader } from "./disk-image.js";

const PAGE = 512;
const MAX_PAGE_WRITE = 4 * 1024 * 1024;
const RECORD_BYTES = 17;
const WRITE = 1;
const CLEAR = 2;

interface OpenUpload {
  size: number;
  data: FileHandle;
  journal: FileHandle;
}

export interface StagedUpload {
  size: number;
  /** Written ranges, ascending and merged; the rest of the upload is zero. */
  extents: Extent[];
  reader: RangeReader;
}

export class UploadStaging {
  private readonly open = new Map<string, Promise<OpenUpload>>();

  constructor(private readonly root: string) {}

  async create(size: number): Promise<string> {
    const id = randomUUID();
    await mkdir(this.root, { recursive: true });
    await writeFile(this.file(id, "meta"), JSON.stringify({ size }));
    const data = await open(this.file(id, "data"), "w");
    await data.truncate(size);
    await data.close();
    await writeFile(this.file(id, "journal"), Buffer.alloc(0));
    return id;
  }

  async writePages(id: string, offset: number, bytes: Buffer): Promise<void> {
    const upload = await this.handles(id);
    checkRange(offset, bytes.length, upload.size);
    await upload.data.write(bytes, 0, bytes.length, offset);
    await upload.journal.write(record(WRITE, offset, bytes.length));
    await Promise.all([upload.data.datasync(), upload.journal.datasync()]);
  }

  async clearPages(id: string, offset: number, length: number): Promise<void> {
    const upload = await this.handles(id);
    checkRange(offset, length, upload.size, Number.MAX_SAFE_INTEGER);
    await upload.journal.write(record(CLEAR, offset, length));
    await upload.journal.datasync();
  }

  /** What was uploaded: its size, written ranges and a reader of its bytes. */
  async staged(id: string): Promise<StagedUpload> {
    const upload = await this.handles(id);
    const journal = await readFile(this.file(id, "journal"));
    const extents = replay(journal);
    const reader: RangeReader = {
      size: upload.size,
      read: async (offset, length) => {
        // Not zero-filled first: the read overwrites it, and only a short read's tail needs zeros.
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await upload.data.read(buffer, 0, length, offset);
        return bytesRead === length ? buffer : buffer.fill(0, bytesRead);
      },
      close: async () => undefined,
    };
    return { size: upload.size, extents, reader };
  }

  async discard(id: string): Promise<void> {
    const pending = this.open.get(id);
    this.open.delete(id);
    if (pending) {
      const upload = await pending.catch(() => undefined);
      await Promise.all([upload?.data.close(), upload?.journal.close()]);
    }
    await Promise.all(["meta", "data", "journal"].map((kind) => rm(this.file(id, kind), { force: true })));
  }

  private handles(id: string): Promise<OpenUpload> {
    let pending = this.open.get(id);
    if (!pending) {
      pending = (async () => {
        const meta = JSON.parse(await readFile(this.file(id, "meta"), "utf8")) as { size: number };
        return { size: meta.size, data: await open(this.file(id, "data"), "r+"), journal: await open(this.file(id, "journal"), "a") };
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

function record(kind: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(RECORD_BYTES);
  buffer.writeUInt8(kind, 0);
  buffer.writeBigUInt64BE(BigInt(offset), 1);
  buffer.writeBigUInt64BE(BigInt(length), 9);
  return buffer;
}

/** Applies the journal in order: writes add their range, clears remove theirs. A torn last record is ignored. */
export function replay(journal: Buffer): Extent[] {
  let ranges: Array<[number, number]> = [];
  for (let at = 0; at + RECORD_BYTES <= journal.length; at += RECORD_BYTES) {
    const kind = journal.readUInt8(at);
    const start = Number(journal.readBigUInt64BE(at + 1));
    const end = start + Number(journal.readBigUInt64BE(at + 9));
    ranges = kind === WRITE ? addRange(ranges, start, end) : subtractRange(ranges, start, end);
  }
  return ranges.map(([start, end]) => ({ offset: start, length: end - start }));
}

function addRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let merged: [number, number] = [start, end];
  for (const range of ranges) {
    if (range[1] < merged[0] || range[0] > merged[1]) out.push(range);
    else merged = [Math.min(range[0], merged[0]), Math.max(range[1], merged[1])];
  }
  out.push(merged);
  return out.sort((a, b) => a[0] - b[0]);
}

function subtractRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of ranges) {
    if (b <= start || a >= end) out.push([a, b]);
    else {
      if (a < start) out.push([a, start]);
      if (b > end) out.push([end, b]);
    }
  }
  return out;
}
