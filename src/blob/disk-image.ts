// A disk image as the ingest pipeline sees it, whatever its container format: a virtual size and
// the byte ranges that may hold data. Everything outside `extents()` reads as zeros, which is
// how a 1 TiB-provisioned image holding 4 GiB of data is ingested at the cost of 4 GiB.

/** Random access to bytes: a local file, an HTTP(S) URL with Range support, a staged upload. */
export interface RangeReader {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset` (callers never read past `size`). Given `into` (at least
   * `length` bytes), a reader that can reads into it and returns a view of it, so that a caller
   * reading window after window reuses one buffer; any reader may return another buffer instead.
   */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer>;
  /**
   * The ranges of the file that may hold non-zero bytes, when the source can say (an Azure page
   * blob lists them with Get Page Ranges): ascending, non-overlapping, within `size`. Undefined
   * when it cannot; then every byte must be read.
   */
  dataRanges?(): Promise<Extent[] | undefined>;
  close(): Promise<void>;
}

export interface Extent {
  /** Offset in the virtual (raw) disk. */
  offset: number;
  length: number;
}

export type DiskFormat = "raw" | "vhd-fixed" | "vhd-dynamic" | "qcow2" | "vhdx" | "vmdk";

export interface DiskImage {
  format: DiskFormat;
  /** Size of the raw disk the image describes, in bytes. */
  virtualSize: number;
  /**
   * Ranges of the virtual disk that may hold non-zero data, ascending, non-overlapping. They may
   * still contain zeros (the ingest checks); what they leave out is certainly zero.
   */
  extents(): AsyncIterable<Extent>;
  /** Bytes of the virtual disk; ranges outside the extents come back as zeros. `into` as for RangeReader.read. */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** Why an image was refused: the message is shown to the user as is. */
export class DiskImageError extends Error {
  constructor(
    message: string,
    readonly reason: "malformed" | "truncated" | "unsupported" | "size",
  ) {
    super(message);
    this.name = "DiskImageError";
  }
}
