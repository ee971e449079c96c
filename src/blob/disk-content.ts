// DiskContent over the blob layer: images read by the format readers, cut into chunks in the
// region's store, uploads staged until they are finished, disks exported as fixed VHDs.

import { PassThrough, Readable, type Writable } from "node:stream";
import { rootCertificates } from "node:tls";
import type { Clock } from "../ports/clock.js";
import { errors, type ArmError } from "../core/errors.js";
import { ReusedBuffers } from "../core/reused-buffers.js";
import type { ChunkStore } from "../ports/chunk-store.js";
import type { ContentPlace, CopyProgress, DiskContent, DiskContentRef, IngestProgress, StoredManifest } from "../ports/disk-content.js";
import { DiskImageError, type DiskImage } from "./disk-image.js";
import { copyContent } from "./copy.js";
import { MirroredChunkStore } from "./drivers/mirrored-chunk-store.js";
import { dataRanges, exportStream, writeExport } from "./export.js";
import { LruCache } from "./formats/lru-cache.js";
import { collectGarbage } from "./garbage-collector.js";
import { openDiskImage } from "./formats/detect.js";
import { openUrlReader } from "./formats/range-reader.js";
import { openRaw } from "./formats/raw.js";
import { isFixedVhdFooter } from "./formats/vhd.js";
import { ingestDisk } from "./ingest.js";
import { CHUNK_SIZE, chunkLength, decodeManifest, encodeManifest, manifestDigest, type Manifest, type ManifestChunk } from "./manifest.js";
import type { UploadStaging } from "./upload-staging.js";

const FOOTER = 512;
/**
 * Decoded manifests kept for the ranged reads of downloads in progress. Few: a decoded manifest
 * costs about 150 bytes per non-zero chunk (a full 1 TiB disk's about 150 MiB; a typical image's
 * under 2 MiB), and every request of a download would otherwise decode it again.
 */
const MANIFESTS_CACHED = 4;
/** Chunk buffers kept for downloads between them; each download in flight holds a few (export.ts's prefetch, a write). */
const SPARE_CHUNK_BUFFERS = 16;

/** Where each region keeps its chunks: a home store, and a store per storage target. */
export interface RegionStores {
  storeFor(region: string): ChunkStore;
  targetStore(region: string, target: string): ChunkStore;
  /** Every store that exists: each region's home (no target) and its targets'. */
  stores(): Promise<Array<{ region: string; target?: string }>>;
}

export interface CopyPacing {
  /** A simulated link speed for copies between regions (bytes per second); unset: none. */
  interRegionBytesPerSecond?: number;
}

export interface UrlTrust {
  /** Certificates to trust for https URLs besides Node's own roots (the server's own CA, so its access URLs can be imported). */
  extraCaPem?: string;
  clock?: Clock;
}

export class BlobDiskContent implements DiskContent {
  private readonly ca: string[] | undefined;
  /** The buffers downloads read chunks into (writeExport), shared by all of them. */
  private readonly chunkBuffers = new ReusedBuffers(CHUNK_SIZE, SPARE_CHUNK_BUFFERS);
  private readonly manifests = new LruCache<DiskContentRef, Manifest, string>(
    MANIFESTS_CACHED,
    async (content) => decodeManifest(await this.storeOf(content).get(content.manifestDigest)),
    (content) => `${placeKey(content)}:${content.manifestDigest}`,
  );

  constructor(
    private readonly stores: RegionStores,
    private readonly staging: UploadStaging,
    private readonly trust: UrlTrust = {},
    private readonly pacing: CopyPacing = {},
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

  async importFileFromUrl(region: string, url: string, options: { what: string; maxBytes: number; onProgress?: (progress: IngestProgress) => void }): Promise<DiskContentRef> {
    const refuse: Refusal = (reason) => errors.invalidApplicationPackage(options.what, reason);
    const reader = await refusingBadImages(() => openUrlReader(url, { ...(this.ca && { ca: this.ca }), ...(this.trust.clock && { clock: this.trust.clock }) }), refuse);
    try {
      if (reader.size > options.maxBytes) throw errors.applicationPackageTooLarge(options.what, reader.size, options.maxBytes);
      // The file is taken as it is: a raw "disk" of its size, whose chunks dedupe like any other.
      return await this.ingest(region, await openRaw(reader), options.onProgress, { refuse });
    } finally {
      await reader.close();
    }
  }

  openUpload(size: number, region: string): Promise<string> {
    return this.staging.create(size, region, size - FOOTER);
  }

  writePages(uploadId: string, offset: number, data: Buffer): Promise<void> {
    return this.staging.writePages(uploadId, offset, data);
  }

  clearPages(uploadId: string, offset: number, length: number): Promise<void> {
    return this.staging.clearPages(uploadId, offset, length);
  }

  /**
   * The upload must be a fixed VHD: the disk, then its footer in the last 512 bytes. Whole chunks
   * of the disk are in the store already (upload-staging.ts); what is left is read from the
   * staging area. Until the disk's record holds the manifest, garbage collection keeps the
   * stored chunks because this runs as an operation (the collector waits for those).
   */
  async finishUpload(uploadId: string, onProgress?: (progress: IngestProgress) => void): Promise<DiskContentRef> {
    const staged = await this.staging.staged(uploadId);
    if (staged.region === undefined) throw new Error(`upload ${uploadId} was staged without a region: discard it and upload again`);
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
    const content = await this.ingest(staged.region, image, onProgress, { stored: staged.chunks });
    await this.staging.discard(uploadId);
    return content;
  }

  discardUpload(uploadId: string): Promise<void> {
    return this.staging.discard(uploadId);
  }

  async copyTo(content: DiskContentRef, place: ContentPlace, onProgress?: (progress: CopyProgress) => void): Promise<DiskContentRef> {
    const { targets: _from, ...rest } = content;
    const targets = [...(place.targets ?? [])].sort();
    const to: DiskContentRef = { ...rest, region: place.region, ...(targets.length > 0 && { targets }) };
    const bytesPerSecond = content.region === place.region ? undefined : this.pacing.interRegionBytesPerSecond;
    if (placeKey(content) !== placeKey(to)) await copyContent(content.manifestDigest, this.storeOf(content), this.storeOf(to), onProgress, { ...(bytesPerSecond && { bytesPerSecond }) });
    return to;
  }

  /** Sweeps every store: home stores keep what home manifests and uploads in progress reference, target stores what manifests placed on them reference. */
  async collectGarbage(live: Iterable<StoredManifest>, options: { graceMs: number; now: Date }): Promise<{ deleted: number; bytesFreed: number }> {
    // A mirrored manifest lives on each of its targets.
    const byStore = new Map<string, string[]>();
    for (const manifest of live) {
      const places = manifest.targets?.length ? manifest.targets.map((target) => ({ region: manifest.region, targets: [target] })) : [manifest];
      for (const place of places) {
        const key = placeKey(place);
        const digests = byStore.get(key) ?? [];
        digests.push(manifest.manifestDigest);
        byStore.set(key, digests);
      }
    }
    const total = { deleted: 0, bytesFreed: 0 };
    for (const { region, target } of await this.stores.stores()) {
      const place = { region, targets: target === undefined ? [] : [target] };
      const liveChunks = target === undefined ? await this.staging.storedChunks(region) : [];
      const result = await collectGarbage(this.storeOf(place), byStore.get(placeKey(place)) ?? [], { ...options, liveChunks });
      total.deleted += result.deleted;
      total.bytesFreed += result.bytesFreed;
    }
    return total;
  }

  async vhdWriter(content: DiskContentRef, start: number, end: number): Promise<(out: Writable) => Promise<void>> {
    const store = this.storeOf(content);
    const manifest = await this.manifest(content);
    return (out) => writeExport(manifest, store, { format: "vhd-fixed", start, end }, out, this.chunkBuffers);
  }

  exportFile(content: DiskContentRef, start: number, end: number): NodeJS.ReadableStream {
    const store = this.storeOf(content);
    const out = new PassThrough();
    this.manifest(content)
      .then((manifest) => {
        const source: Readable = exportStream(manifest, store, { format: "raw", start, end });
        source.on("error", (error) => out.destroy(error));
        source.pipe(out);
      })
      .catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
    return out;
  }

  async chunksOf(content: DiskContentRef): Promise<Array<{ digest: string; bytes: number }>> {
    const manifest = await this.manifest(content);
    return manifest.chunks.map((chunk) => ({ digest: chunk.digest, bytes: chunkLength(manifest, chunk.index) }));
  }

  async pageRanges(content: DiskContentRef, start: number, end: number): Promise<Array<{ start: number; end: number }>> {
    return dataRanges(await this.manifest(content), { format: "vhd-fixed", start, end });
  }

  /** A decoded manifest; they are immutable (named by their digest), so a few are kept for the ranged reads that follow one another. */
  private manifest(content: DiskContentRef): Promise<Manifest> {
    return this.manifests.get(content);
  }

  /** The store of a place: the region's home, one target, or a mirror of a replica's targets. */
  private storeOf(place: ContentPlace): ChunkStore {
    const targets = place.targets ?? [];
    if (targets.length === 0) return this.stores.storeFor(place.region);
    const members = targets.map((target) => this.stores.targetStore(place.region, target));
    return members.length === 1 ? (members[0] as ChunkStore) : new MirroredChunkStore(members);
  }

  private async ingest(region: string, image: DiskImage, onProgress?: (progress: IngestProgress) => void, options: { stored?: ManifestChunk[]; refuse?: Refusal } = {}): Promise<DiskContentRef> {
    const { stored, refuse } = options;
    const result = await refusingBadImages(() =>
      ingestDisk(image, this.stores.storeFor(region), {
        ...(stored && { stored }),
        onProgress: onProgress && ((p) => onProgress({ bytesRead: p.bytesRead, bytesStored: p.bytesStored, bytesTotal: Math.max(p.bytesRead, p.chunksTotalEstimate * CHUNK_SIZE) })),
      }),
      refuse,
    );
    return { region, manifestDigest: result.contentDigest.replace(/^sha256:/, ""), size: result.manifest.size, occupiedBytes: result.manifest.occupiedBytes };
  }
}

/** Names a place: the same key is the same store. */
function placeKey(place: ContentPlace): string {
  return [place.region, ...[...(place.targets ?? [])].sort()].join("/");
}

/** The catalogue's error for a reader's refusal: a bad disk image, or an unreadable package. */
type Refusal = (reason: string) => ArmError;

/** Turns the format readers' refusals into the catalogue's error; anything else passes through. */
async function refusingBadImages<T>(work: () => Promise<T>, refuse: Refusal = errors.invalidDiskImage): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DiskImageError) throw refuse(error.message);
    throw error;
  }
}
