// Extent lists as the format readers build them: ascending, non-overlapping, and merged where
// they touch, so that a run of allocated clusters or blocks reaches the ingest as one range.
import type { Extent } from "../disk-image.js";

/** Appends [offset, offset + length) to an ascending list, merging it into the last extent when they touch. */
export function appendExtent(list: Extent[], offset: number, length: number): void {
  if (length <= 0) return;
  const last = list[list.length - 1];
  if (last && last.offset + last.length === offset) last.length += length;
  else list.push({ offset, length });
}

/** Throws unless `extents` are ascending, non-overlapping, non-empty ranges inside [0, size). */
export function checkExtents(extents: readonly Extent[], size: number): void {
  let end = 0;
  for (const { offset, length } of extents) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length <= 0 || offset < end || offset + length > size) {
      throw new RangeError(`extent [${offset}, +${length}) is not ascending, non-empty and inside a disk of ${size} bytes`);
    }
    end = offset + length;
  }
}

/** Copies, so that a consumer of one iteration cannot change the next. */
export async function* iterateExtents(list: readonly Extent[]): AsyncIterable<Extent> {
  for (const { offset, length } of list) yield { offset, length };
}
