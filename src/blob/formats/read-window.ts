// Bulk reads of an HTTP source in larger pieces: an ingest reads a raw or fixed-VHD image a chunk
// (1 MiB) at a time, in order, and one ranged GET per MiB spent a request's round trip and
// parsing on every MiB. A read of at least MIN_READ bytes is served from a window of up to WINDOW
// bytes fetched from where it starts (one GET), which the next reads, being the next chunks, find.
// A window never reaches past the end of the data range that it starts in (when the source lists
// its data ranges), so that the zeros between ranges are not fetched. Small reads (format tables,
// qcow2 clusters) go to the source as they are: their order says nothing of what comes next.
import type { Extent, RangeReader } from "../disk-image.js";

const WINDOW = 4 * 1024 * 1024;
const MIN_READ = 512 * 1024;
/** Windows kept for the reads to come; the reads in flight hold their own. */
const KEEP = 4;

interface Window {
  start: number;
  end: number;
  data: Promise<Buffer>;
}

export function readingInWindows(reader: RangeReader, window = WINDOW): RangeReader {
  let ranges: Extent[] | undefined;
  const windows: Window[] = [];
  const endOf = (offset: number): number => {
    const end = Math.min(offset + window, reader.size);
    const range = ranges && rangeAt(ranges, offset);
    return range ? Math.min(end, range.offset + range.length) : end;
  };
  return {
    size: reader.size,
    async read(offset, length) {
      if (length < MIN_READ || length >= window) return reader.read(offset, length);
      let found = windows.find((w) => w.start <= offset && offset + length <= w.end);
      if (!found) {
        const start = offset;
        const end = Math.max(endOf(offset), offset + length);
        const fetched: Window = { start, end, data: reader.read(start, end - start) };
        found = fetched;
        windows.push(fetched);
        if (windows.length > KEEP) windows.shift();
        // A failed fetch is not kept: the next read tries again.
        fetched.data.catch(() => windows.includes(fetched) && windows.splice(windows.indexOf(fetched), 1));
      }
      const data = await found.data;
      return data.subarray(offset - found.start, offset - found.start + length);
    },
    ...(reader.dataRanges && {
      dataRanges: async () => (ranges = await reader.dataRanges?.()),
    }),
    close: () => reader.close(),
  };
}

/** The range that holds `offset`, by binary search of ascending, non-overlapping ranges. */
function rangeAt(ranges: readonly Extent[], offset: number): Extent | undefined {
  let [low, high] = [0, ranges.length - 1];
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle] as Extent;
    if (offset < range.offset) high = middle - 1;
    else if (offset >= range.offset + range.length) low = middle + 1;
    else return range;
  }
  return undefined;
}
