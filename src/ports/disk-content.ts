// The bytes of managed disks, snapshots and images, seen from the services: content is a manifest
// in a region's store, identified by its digest. The blob layer (src/blob) implements this over
// the format readers, the chunk stores and the upload staging area. It refuses bad images and
// page writes with the catalogue's errors (errors.invalidDiskImage, errors.invalidPageWrite).

import type { Writable } from "node:stream";

/**
 * Where content lives: a region's home store (ingests, disks, snapshots, managed images), or the
 * storage targets of one replica of an image version there (several targets mirror each other).
 */
export interface ContentPlace {
  region: string;
  /** Storage target ids in the region; absent or empty: the region's home store. */
  targets?: readonly string[];
}

/** A manifest stored at a place: what garbage collection must keep. */
export interface StoredManifest extends ContentPlace {
  manifestDigest: string;
}

/** One disk's content at one place. Copying it within the same store is copying this record. */
export interface DiskContentRef extends ContentPlace {
  region: string;
  /** SHA-256 of the manifest: where the manifest is stored, and the content digest clients verify. */
  manifestDigest: string;
  /** Virtual size in bytes (the raw disk, without a VHD footer). */
  size: number;
  /** Bytes of non-zero chunks: what the disk costs in storage. */
  occupiedBytes: number;
}

export interface IngestProgress {
  bytesRead: number;
  bytesStored: number;
  /** What bytesRead will reach: the image's allocated ranges, rounded out to whole chunks. */
  bytesTotal: number;
}

export interface CopyProgress {
  /** Bytes of the content's non-zero chunks now at the destination (present before, or copied). */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes this copy moved: what the destination lacked. */
  bytesCopied: number;
}

export interface DiskContent {
  /** A disk of `size` zero bytes (nothing is stored but an empty manifest). */
  empty(region: string, size: number): Promise<DiskContentRef>;
  /** Reads an image (VHD, qcow2, raw, ...) from an http(s) URL into the region's store. */
  importFromUrl(region: string, url: string, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef>;

  /**
   * Reads a file (an application's package or configuration) from an http(s) URL into the region's
   * store, byte for byte, as content of the file's size. Refused with errors.applicationPackageTooLarge
   * over `maxBytes`, and with errors.invalidApplicationPackage when the URL cannot be read or the
   * file changes while it is read. `what` names the file in those errors.
   */
  importFileFromUrl(region: string, url: string, options: { what: string; maxBytes: number; onProgress?: (progress: IngestProgress) => void }): Promise<DiskContentRef>;

  /** Opens a direct upload of `size` bytes (a fixed VHD, footer included) of a disk in `region`. */
  openUpload(size: number, region: string): Promise<string>;
  /** Page writes: `data` at `offset` (both 512-aligned, at most 4 MiB, inside the upload). */
  writePages(uploadId: string, offset: number, data: Buffer): Promise<void>;
  clearPages(uploadId: string, offset: number, length: number): Promise<void>;
  /** Ingests a finished upload (a fixed VHD) into its region's store and discards the staging area. */
  finishUpload(uploadId: string, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef>;
  discardUpload(uploadId: string): Promise<void>;

  /**
   * The same content at another place: copies the chunks that place lacks (every target of it,
   * for a mirrored replica), verifying each, then the manifest. `onProgress` reports bytes present
   * there of those needed, and bytes that had to be moved.
   */
  copyTo(content: DiskContentRef, place: ContentPlace, onProgress?: (progress: CopyProgress) => void): Promise<DiskContentRef>;

  /**
   * Deletes from every store what the `live` manifests do not reference and what is older than
   * `graceMs` (src/blob/garbage-collector.ts). `live` must list every manifest still in use, with
   * its place; the chunks of uploads in progress are kept as well.
   */
  collectGarbage(live: Iterable<StoredManifest>, options: { graceMs: number; now: Date }): Promise<{ deleted: number; bytesFreed: number }>;

  /** The disk's non-zero chunks, with their lengths (what its place stores for it). */
  chunksOf(content: DiskContentRef): Promise<Array<{ digest: string; bytes: number }>>;
  /** Bytes [start, end] (inclusive) of content read as a file: what importFileFromUrl stored. */
  exportFile(content: DiskContentRef, start: number, end: number): NodeJS.ReadableStream;
  /**
   * Bytes of the disk exported as a fixed VHD (the raw disk, then a 512-byte footer), [start, end]
   * inclusive: once the manifest is read, the function that writes them to `out` and resolves when
   * the last write has completed (writes are made from reused buffers, released by their callbacks).
   */
  vhdWriter(content: DiskContentRef, start: number, end: number): Promise<(out: Writable) => Promise<void>>;
  /**
   * The ranges of that fixed VHD, within [start, end], that may hold data: the non-zero chunks
   * (adjacent ones merged) and the footer; everything else reads as zeros. Ascending, inclusive
   * ends, as Azure Storage's Get Page Ranges lists them.
   */
  pageRanges(content: DiskContentRef, start: number, end: number): Promise<Array<{ start: number; end: number }>>;
}
