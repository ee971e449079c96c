// Pack files are written and read around the page cache (O_DIRECT) where the file system allows
// it. A chunk is written once and read whole, rarely, and its digest is checked on every read, so
// the page cache adds little for it, and going through it cost most of a copy's CPU: perf showed
// 53% of a region-to-region copy in the kernel's copy into the page cache and 16% spinning on the
// pack's inode lock. On a virtual machine that hands freed memory back to its host (virtio-balloon
// free page reporting, as here), every new page-cache page also costs a fault in the host:
// writing 2 GiB with fdatasync took 5.5 s buffered and 0.7 s direct (dd, bs=1M).
//
// Direct I/O needs the memory address, the file offset and the length aligned to the device's
// block. Records in a pack start at multiples of ALIGNMENT (4 KiB, every common device's block or
// a multiple of it), the last one padded with zeros; the bytes go through page-aligned buffers:
// slices of WebAssembly memories, whose storage V8 maps at a page boundary (Node's Buffers have no
// alignment to ask for), 16 MiB in all, reused for the life of the process.
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/** Records in a pack start at multiples of this. */
export const ALIGNMENT = 4096;
/** Bytes moved per system call, and the size of each aligned buffer. */
const PIECE = 1 << 20;
const BUFFERS_PER_MEMORY = 8;
/** Direct reads, and direct writes, in flight at once, each through its own buffer. */
const READ_BUFFERS = 8;
const WRITE_BUFFERS = 8;
const WASM_PAGE = 64 * 1024;

// The one part of WebAssembly used here (the ES lib and @types/node 20 do not declare it).
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
}

/** The memories the aligned buffers are cut from. */
const memories = new WeakSet<ArrayBufferLike>();

/**
 * Page-aligned buffers of PIECE bytes, taken and given back; at most `max`, made as they are
 * first needed. A taker waits for a buffer when all are in use, which bounds the memory of the
 * reads (a download asks for dozens of chunks at once) and of the writes in flight.
 */
class AlignedBuffers {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private made = 0;

  constructor(private readonly max: number) {}

  async take(): Promise<Buffer> {
    if (this.free.length === 0 && this.made < this.max) {
      const pages = (PIECE * BUFFERS_PER_MEMORY) / WASM_PAGE;
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      memories.add(memory.buffer);
      for (let i = 0; i < BUFFERS_PER_MEMORY; i++) this.free.push(Buffer.from(memory.buffer, i * PIECE, PIECE));
      this.made += BUFFERS_PER_MEMORY;
    }
    return this.free.pop() ?? new Promise((resolve) => this.waiting.push(resolve));
  }

  give(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}

/**
 * Reads and writes take from separate pools: a chunk lent by withDirectRead is held while its
 * copy is put, and that put may wait for another put of the same chunk, whose write must never
 * wait for the buffers that the reads hold.
 */
const readBuffers = new AlignedBuffers(READ_BUFFERS);
const writeBuffers = new AlignedBuffers(WRITE_BUFFERS);

/** Whether `data` starts one of the aligned buffers: a direct write can take it as it is, its last block padded in place. */
function isAligned(data: Buffer): boolean {
  return memories.has(data.buffer) && data.byteOffset % PIECE === 0 && data.length <= PIECE;
}

export interface OpenedFile {
  handle: FileHandle;
  /** Opened with O_DIRECT: read and write it with readDirect and writeDirect. */
  direct: boolean;
}

/**
 * Opens `path` with `flags` (numeric), and O_DIRECT when `direct` is asked and the file system
 * takes it. A file system that refuses O_DIRECT (EINVAL) may have created the file already, so
 * the second attempt goes without O_EXCL: the callers create only fresh, unique names.
 */
export async function openFile(path: string, flags: number, direct: boolean): Promise<OpenedFile> {
  if (direct && constants.O_DIRECT !== undefined) {
    try {
      return { handle: await open(path, flags | constants.O_DIRECT), direct: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
    }
  }
  return { handle: await open(path, flags & ~constants.O_EXCL), direct: false };
}

/** Writes `data` at `position`, a multiple of ALIGNMENT, through a direct handle; the last block is padded with zeros. */
export async function writeDirect(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  if (position % ALIGNMENT !== 0) throw new RangeError(`a direct write starts at a multiple of ${ALIGNMENT}, not at ${position}`);
  if (isAligned(data)) {
    const padded = Buffer.from(data.buffer, data.byteOffset, alignUp(data.length));
    padded.fill(0, data.length);
    return writeAll(handle, padded, position);
  }
  const buffer = await writeBuffers.take();
  try {
    for (let done = 0; done < data.length; done += PIECE) {
      const piece = Math.min(PIECE, data.length - done);
      data.copy(buffer, 0, done, done + piece);
      const padded = alignUp(piece);
      buffer.fill(0, piece, padded);
      await writeAll(handle, buffer.subarray(0, padded), position + done);
    }
  } finally {
    writeBuffers.give(buffer);
  }
}

/** `length` bytes at `position` of a direct handle, read in aligned pieces around them; fewer where the file ends sooner. */
export async function readDirect(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = await readBuffers.take();
  const result = Buffer.allocUnsafe(length);
  const end = position + length;
  let done = 0;
  try {
    for (let at = position - (position % ALIGNMENT); at < end; at += PIECE) {
      const want = Math.min(PIECE, alignUp(end) - at);
      const { bytesRead } = await handle.read(buffer, 0, want, at);
      const from = Math.max(position, at);
      const to = Math.min(end, at + bytesRead);
      if (to > from) done += buffer.copy(result, from - position, from - at, to - at);
      // A direct read comes back short only at the end of the file.
      if (bytesRead < want) break;
    }
  } finally {
    readBuffers.give(buffer);
  }
  return result.subarray(0, done);
}

/**
 * Calls `use` with the `length` bytes at `position` of a direct handle (fewer where the file ends
 * sooner), lent in an aligned buffer until `use` settles: a chunk copied from pack to pack passes
 * through one reused buffer, read into it and written from it, with no allocation (readDirect's
 * result, a new Buffer per chunk, left a 2 GiB copy to many full garbage collections). Bytes that
 * do not start on a block or do not fit one buffer are read with readDirect.
 */
export async function withDirectRead<T>(handle: FileHandle, position: number, length: number, use: (data: Buffer) => Promise<T>): Promise<T> {
  if (position % ALIGNMENT !== 0 || length > PIECE) return use(await readDirect(handle, position, length));
  const buffer = await readBuffers.take();
  try {
    const { bytesRead } = await handle.read(buffer, 0, alignUp(length), position);
    return await use(buffer.subarray(0, Math.min(length, bytesRead)));
  } finally {
    readBuffers.give(buffer);
  }
}

/** Writes all of `data` at `position` (a write may take fewer bytes than it was given). */
export async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
}
