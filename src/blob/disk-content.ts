// DiskContent over the blob layer: images read by the format readers, cut into chunks in the
// region's store, uploads staged until they are finished, disks exported as fixed VHDs.

import { PassThrough, Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import type { Clock } from "../ports/clock.js";
import { errors } from "../core/errors.js";
import type { ChunkStore } from "../ports/chunk-store.js";
import type { DiskContent, DiskContentRef, IngestProgress } from "../ports/disk-content.js";
import { DiskImageError, type DiskImage } from "./disk-image.js";
import { copyContent } from "./copy.js";
import { exportStream } from "./export.js";
import { collectGarbage } from "./garbage-collector.js";
import { openDiskImage } from "./formats/detect.js";
import { openUrlReader } from "./formats/range-reader.js";
import { isFixedVhdFooter } from "./formats/vhd.js";
import { ingestDisk } from "./ingest.js";
import { CHUNK_SIZE, decodeManifest, encodeManifest, manifestDigest, type Manifest } from "./manifest.js";
import type { UploadStaging } from "./upload-staging.js";

const FOOTER = 512;

/** Where each region keeps its chunks (one store per region until replication adds targets). */
export interface RegionStores {
  storeFor(region: string): ChunkStore;
  /** Regions that have a store. */
  regions(): Promise<string[]>;
}

export interface UrlTrust {
  /** Certificates to trust for https URLs besides Node's own roots (the server's own CA, so its access URLs can be imported). */
  extraCaPem?: string;
  clock?: Clock;
}

export class BlobDiskContent implements DiskContent {
  private readonly ca: string[] | undefined;

  constructor(
    private readonly stores: RegionStores,
    private readonly staging: UploadStaging,
    private readonly trust: UrlTrust = {},
  ) {
    this.ca = trust.extraCaPem === undefined ? undefined : [...rootCertificates, trust.extraCaPem];
  }

  async empty(region: string, size: number): Promise<DiskContentRef> {
    const manifest: Manifest = { version: 1, size, chunkSize: CHUNK_SIZE, chunks: [], occupiedBytes: 0 };
    const encoded = encodeManifest(manifest);
    const digest = manifestDigest(encoded);
    await this.stores.storeFor(region).put(digest, encoded);
    return { region, manifestDigest: digest, size, occupiedBytes: 0 };
  }

  async importFromUrl(region: string, url: string, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef> {
    const reader = await refusingBadImages(() => openUrlReader(url, { ...(this.ca && { ca: this.ca }), ...(this.trust.clock && { clock: this.trust.clock }) }));
    // Once open, the image owns the reader and closes it; until then the reader is ours to close.
    const image = await refusingBadImages(() => openDiskImage(reader)).catch(async (error: unknown) => {
      await reader.close();
      throw error;
    });
    try {
      // Without its footer a fixed VHD reads as raw bytes: a blob named .vhd that has none was cut short.
      if (image.format === "raw" && /\.vhd$/i.test(new URL(url).pathname)) {
        throw errors.invalidDiskImage(`${new URL(url).pathname} has no VHD footer at its end: the file is truncated or not a VHD.`);
      }
      return await this.ingest(region, image, onProgress);
    } finally {
      await image.close();
    }
  }

  openUpload(size: number): Promise<string> {
    return this.staging.create(size);
  }

  writePages(uploadId: string, offset: number, data: Buffer): Promise<void> {
    return this.staging.writePages(uploadId, offset, data);
  }

  clearPages(uploadId: string, offset: number, length: number): Promise<void> {
    return this.staging.clearPages(uploadId, offset, length);
  }

  /** The upload must be a fixed VHD: the disk, then its footer in the last 512 bytes. */
  async finishUpload(uploadId: string, region: string, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef> {
    const staged = await this.staging.staged(uploadId);
    const size = staged.size - FOOTER;
    const footer = await staged.reader.read(size, FOOTER);
    if (!isFixedVhdFooter(footer, size)) {
      throw errors.invalidDiskImage(
        `the last 512 bytes of the upload are not the footer of a fixed VHD of ${size} bytes. Upload a fixed VHD (qemu-img convert -O vpc -o subformat=fixed,force_size=on) whose size is the disk's uploadSizeBytes.`,
      );
    }
    const image: DiskImage = {
      format: "vhd-fixed",
      virtualSize: size,
      extents: async function* () {
        for (const extent of staged.extents) {
          const end = Math.min(extent.offset + extent.length, size);
          if (extent.offset < end) yield { offset: extent.offset, length: end - extent.offset };
        }
      },
      read: (offset, length) => staged.reader.read(offset, length),
      close: () => staged.reader.close(),
    };
    const content = await this.ingest(region, image, onProgress);
    await this.staging.discard(uploadId);
    return content;
  }

  discardUpload(uploadId: string): Promise<void> {
    return this.staging.discard(uploadId);
  }

  async copyTo(content: DiskContentRef, region: string, onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void): Promise<DiskContentRef> {
    if (content.region !== region) {
      await copyContent(content.manifestDigest, this.stores.storeFor(content.region), this.stores.storeFor(region), onProgress);
    }
    return { ...content, region };
  }

  regions(): Promise<string[]> {
    return this.stores.regions();
  }

  collectGarbage(region: string, live: Iterable<string>, options: { graceMs: number; now: Date }): Promise<{ deleted: number; bytesFreed: number }> {
    return collectGarbage(this.stores.storeFor(region), live, options);
  }

  exportVhd(content: DiskContentRef, start: number, end: number): NodeJS.ReadableStream {
    const store = this.stores.storeFor(content.region);
    const out = new PassThrough();
    store
      .get(content.manifestDigest)
      .then((encoded) => {
        const source: Readable = exportStream(decodeManifest(encoded), store, { format: "vhd-fixed", start, end });
        source.on("error", (error) => out.destroy(error));
        source.pipe(out);
      })
      .catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
    return out;
  }

  private async ingest(region: string, image: DiskImage, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef> {
    const result = await refusingBadImages(() =>
      ingestDisk(image, this.stores.storeFor(region), {
        onProgress: onProgress && ((p) => onProgress({ bytesRead: p.bytesRead, bytesStored: p.bytesStored, bytesTotal: Math.max(p.bytesRead, p.chunksTotalEstimate * CHUNK_SIZE) })),
      }),
    );
    return { region, manifestDigest: result.contentDigest.replace(/^sha256:/, ""), size: result.manifest.size, occupiedBytes: result.manifest.occupiedBytes };
  }
}

/** Turns the format readers' refusals into the catalogue's error; anything else passes through. */
async function refusingBadImages<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DiskImageError) throw errors.invalidDiskImage(error.message);
    throw error;
  }
}
