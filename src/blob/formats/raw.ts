// A raw image: the file is the disk. Without a better map its extents are the whole disk (the
// ingest then checks each chunk for zeros); with `qemu-img map`'s list of data ranges, the holes
// of a sparse file are skipped without being read.
import type { DiskImage, Extent, RangeReader } from "../disk-image.js";
import { checkExtents, iterateExtents } from "./extents.js";
import { checkReadRange } from "./mapped-read.js";

/**
 * Opens a raw image; `extents`, when given, must cover every non-zero byte. On success the image
 * owns `reader` and closes it.
 */
export async function openRaw(reader: RangeReader, extents?: readonly Extent[]): Promise<DiskImage> {
  const size = reader.size;
  const list = extents ? extents.map(({ offset, length }) => ({ offset, length })) : size > 0 ? [{ offset: 0, length: size }] : [];
  checkExtents(list, size);
  return {
    format: "raw",
    virtualSize: size,
    extents: () => iterateExtents(list),
    read(offset, length, into) {
      checkReadRange(offset, length, size);
      return reader.read(offset, length, into);
    },
    close: () => reader.close(),
  };
}
