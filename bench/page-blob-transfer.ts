// The client side of a disk's access URLs, as @azure/storage-blob users write it: a direct upload
// of a fixed VHD with PageBlobClient.uploadPages (4 MiB pages, all-zero pages skipped, several in
// flight), and a download with parallel ranged GETs written into a file (zero ranges left as holes,
// as cp leaves them), flushed to disk before it counts as done.
import { open } from "node:fs/promises";
import { AnonymousCredential, BlobClient, PageBlobClient } from "@azure/storage-blob";
import { MIB } from "./disk-images.js";

/** The largest page write the protocol accepts. */
const PAGE_WRITE = 4 * MIB;
const ZEROS = Buffer.alloc(PAGE_WRITE);

/** Runs `work` for each offset from 0 to `size` in `step`s, with `concurrency` at once. */
async function forEachPiece(size: number, step: number, concurrency: number, work: (offset: number, length: number, buffer: Buffer) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    // One buffer per worker, reused: memory stays at concurrency × step whatever the size.
    const buffer = Buffer.allocUnsafe(step);
    while (next < size) {
      const offset = next;
      next += step;
      await work(offset, Math.min(step, size - offset), buffer);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Uploads the file at `path` to an upload URL; returns the bytes sent. */
export async function uploadFile(sas: string, path: string, concurrency: number): Promise<number> {
  const client = new PageBlobClient(sas, new AnonymousCredential());
  const file = await open(path, "r");
  let sent = 0;
  try {
    const { size } = await file.stat();
    await forEachPiece(size, PAGE_WRITE, concurrency, async (offset, length, buffer) => {
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new Error(`short read at ${offset} of ${path}`);
      const piece = buffer.subarray(0, length);
      if (piece.equals(ZEROS.subarray(0, length))) return;
      await client.uploadPages(piece, offset, length);
      sent += length;
    });
  } finally {
    await file.close();
  }
  return sent;
}

/** Downloads a read URL into `path` with ranged GETs of `step` bytes; returns the size. */
export async function downloadFile(sas: string, path: string, concurrency: number, step = 4 * MIB): Promise<number> {
  const client = new BlobClient(sas, new AnonymousCredential());
  const { contentLength } = await client.getProperties();
  const size = contentLength ?? 0;
  const file = await open(path, "w");
  try {
    await file.truncate(size);
    const zeros = Buffer.alloc(step);
    await forEachPiece(size, step, concurrency, async (offset, length, buffer) => {
      const response = await client.download(offset, length);
      const body = response.readableStreamBody;
      if (!body) throw new Error("a download without a body");
      let at = 0;
      for await (const piece of body as AsyncIterable<Buffer>) {
        if (at + piece.length > length) throw new Error(`more than ${length} bytes for the range at ${offset}`);
        piece.copy(buffer, at);
        at += piece.length;
      }
      if (at !== length) throw new Error(`${at} bytes for the ${length}-byte range at ${offset}`);
      const data = buffer.subarray(0, length);
      if (!data.equals(zeros.subarray(0, length))) await file.write(data, 0, length, offset);
    });
    await file.datasync();
  } finally {
    await file.close();
  }
  return size;
}
