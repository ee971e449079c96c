// The client side of a disk's access URLs, as @azure/storage-blob users write it: a direct upload
// of a fixed VHD with PageBlobClient.uploadPages (4 MiB pages, all-zero pages skipped, several in
// flight), and a download as AzCopy does a page blob's: PageBlobClient.getPageRanges first, then
// parallel ranged GETs of the listed ranges only, written into a file of the blob's size (what is
// not listed stays a hole, as cp leaves zeros), flushed to disk before it counts as done.
import { open } from "node:fs/promises";
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";
import { MIB } from "./disk-images.js";

/** The largest page write the protocol accepts. */
const PAGE_WRITE = 4 * MIB;
const ZEROS = Buffer.alloc(PAGE_WRITE);

interface Piece {
  offset: number;
  length: number;
}

/** Bytes `start` to `end` (inclusive) in pieces of at most `step`. */
function* piecesOf(start: number, end: number, step: number): Generator<Piece> {
  for (let offset = start; offset <= end; offset += step) yield { offset, length: Math.min(step, end + 1 - offset) };
}

/** Runs `work` for each piece (at most `step` bytes), with `concurrency` at once. */
async function forEachPiece(pieces: Iterator<Piece>, step: number, concurrency: number, work: (offset: number, length: number, buffer: Buffer) => Promise<void>): Promise<void> {
  const worker = async () => {
    // One buffer per worker, reused: memory stays at concurrency × step whatever the size.
    const buffer = Buffer.allocUnsafe(step);
    for (let next = pieces.next(); !next.done; next = pieces.next()) await work(next.value.offset, next.value.length, buffer);
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
    await forEachPiece(piecesOf(0, size - 1, PAGE_WRITE), PAGE_WRITE, concurrency, async (offset, length, buffer) => {
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

/** Downloads the page ranges a read URL lists into `path` with ranged GETs of `step` bytes; returns the size. */
export async function downloadFile(sas: string, path: string, concurrency: number, step = 4 * MIB): Promise<number> {
  const client = new PageBlobClient(sas, new AnonymousCredential());
  const { blobContentLength, pageRange = [] } = await client.getPageRanges();
  const size = blobContentLength ?? 0;
  // The SDK reports a range's count as end - start: the last byte, not the length.
  const pieces = (function* () {
    for (const { offset, count } of pageRange) yield* piecesOf(offset, offset + (count ?? 0), step);
  })();
  const file = await open(path, "w");
  try {
    await file.truncate(size);
    const zeros = Buffer.alloc(step);
    await forEachPiece(pieces, step, concurrency, async (offset, length, buffer) => {
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
