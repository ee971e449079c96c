// The pieces `vitrine disk upload` and `download` are made of: the content digest the CLI computes
// (checked against the one the test support computes from the docs), how a disk is cut into
// windows and runs of non-zero chunks, and how the page-range listing of an access URL is read,
// from this server's answer, a paged one, and the answers of servers that do not list ranges.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AccessUrl } from "../../cli/transfer/access-url.js";
import { ContentDigest, DIGEST_CHUNK } from "../../cli/transfer/content-digest.js";
import { forEachParallel, forEachParallelWithBuffer, nonZeroRuns, readWindowsOf, windowsOf, WINDOW } from "../../cli/transfer/windows.js";
import { contentDigestOf, MIB, pattern } from "../support/images.js";

describe("disk transfer pieces", () => {
  it("computes the content digest of docs/content-digest.md, chunks added in any order", () => {
    const disk = Buffer.alloc(5 * MIB + 1000);
    pattern(3000, 7).copy(disk, MIB - 1000);
    pattern(1000, 8).copy(disk, 5 * MIB);
    const digest = new ContentDigest(disk.length);
    const chunks = Math.ceil(disk.length / DIGEST_CHUNK);
    const kept = [];
    for (let index = chunks - 1; index >= 0; index--) {
      if (digest.add(index, disk.subarray(index * DIGEST_CHUNK, Math.min(disk.length, (index + 1) * DIGEST_CHUNK)))) kept.push(index);
    }
    assert.deepEqual(kept, [5, 1, 0], "all-zero chunks are left out");
    assert.equal(digest.digest(), contentDigestOf(disk));
    assert.throws(() => digest.add(0, Buffer.alloc(10)), RangeError, "a chunk is whole");
  });

  it("cuts the extents of a disk into 4 MiB windows that count their data bytes", () => {
    const size = 20 * MIB;
    const windows = [...windowsOf([{ offset: 100, length: 10 }, { offset: 3 * MIB, length: 2 * MIB }, { offset: 19 * MIB, length: MIB }], size)];
    assert.deepEqual(windows, [
      { offset: 0, length: WINDOW, dataBytes: 10 + MIB },
      { offset: WINDOW, length: WINDOW, dataBytes: MIB },
      { offset: 4 * WINDOW, length: WINDOW, dataBytes: MIB },
    ]);
    assert.deepEqual([...windowsOf([{ offset: 0, length: 6 * MIB }], 6 * MIB)].map((w) => w.length), [WINDOW, 2 * MIB], "the last window ends with the disk");
  });

  it("cuts the data ranges of a download into whole chunks on the 4 MiB grid, reading nothing else", () => {
    const size = 20 * MIB + 512 * 1024;
    const windows = [...readWindowsOf([{ offset: 100, length: 10 }, { offset: MIB + 512, length: 512 }, { offset: 3 * MIB, length: 3 * MIB }, { offset: 11 * MIB, length: MIB }, { offset: 12 * MIB, length: 1 }, { offset: 20 * MIB + 10, length: 100 }], size)];
    assert.deepEqual(windows, [
      { offset: 0, length: 2 * MIB, dataBytes: 2 * MIB },
      { offset: 3 * MIB, length: MIB, dataBytes: MIB },
      { offset: 4 * MIB, length: 2 * MIB, dataBytes: 2 * MIB },
      { offset: 11 * MIB, length: MIB, dataBytes: MIB },
      { offset: 12 * MIB, length: MIB, dataBytes: MIB },
      { offset: 20 * MIB, length: 512 * 1024, dataBytes: 512 * 1024 },
    ]);
    assert.deepEqual([...readWindowsOf([{ offset: 0, length: 6 * MIB }], 6 * MIB)], [...windowsOf([{ offset: 0, length: 6 * MIB }], 6 * MIB)], "the whole disk: the windows of an upload");
    assert.deepEqual([...readWindowsOf([], 6 * MIB)], []);
  });

  it("finds the runs of non-zero chunks in a window", () => {
    const window = Buffer.alloc(4 * MIB);
    window[10] = 1;
    window[MIB + 5] = 1;
    window[3 * MIB] = 1;
    assert.deepEqual(nonZeroRuns(window, (_index, chunk) => chunk.some((byte) => byte !== 0)), [
      [0, 2 * MIB],
      [3 * MIB, 4 * MIB],
    ]);
  });

  it("runs work in parallel, stops taking items after a failure and throws it", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachParallel([1, 2, 3, 4, 5, 6][Symbol.iterator](), 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(item);
      running--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6]);

    const taken: number[] = [];
    await assert.rejects(
      forEachParallel([1, 2, 3, 4, 5, 6][Symbol.iterator](), 2, async (item) => {
        taken.push(item);
        if (item === 2) throw new Error("item 2 failed");
        await new Promise((resolve) => setImmediate(resolve));
      }),
      /item 2 failed/,
    );
    assert.ok(taken.length < 6, `items were still taken after the failure: ${taken.join(", ")}`);
  });

  it("lends each parallel work a buffer, reused by later works: as many buffers as works at once", async () => {
    const seen = new Set<ArrayBufferLike>();
    const items = Array.from({ length: 20 }, (_, i) => i);
    await forEachParallelWithBuffer(items[Symbol.iterator](), 3, 4096, async (item, buffer) => {
      assert.equal(buffer.length, 4096);
      seen.add(buffer.buffer);
      buffer.fill(item);
      await new Promise((resolve) => setImmediate(resolve));
      // No other work wrote into it meanwhile.
      assert.ok(buffer.every((byte) => byte === item));
    });
    assert.equal(seen.size, 3);
    await assert.rejects(
      forEachParallelWithBuffer(items[Symbol.iterator](), 2, 16, async (item) => {
        if (item === 1) throw new Error("item 1 failed");
      }),
      /item 1 failed/,
    );
  });
});

/** An access URL served by `answer`, for the time of `use`. */
async function withUrl<T>(answer: (request: IncomingMessage, response: ServerResponse) => void, use: (url: AccessUrl) => Promise<T>): Promise<T> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new AccessUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/blob/disks/d/abcd?sig=x`, Buffer.alloc(0), 2);
  try {
    return await use(url);
  } finally {
    url.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const pageList = (ranges: Array<[number, number]>, next = "") =>
  `<?xml version="1.0" encoding="utf-8"?><PageList>${ranges.map(([start, end]) => `<PageRange><Start>${start}</Start><End>${end}</End></PageRange>`).join("")}${next ? `<NextMarker>${next}</NextMarker>` : ""}</PageList>`;

describe("the page ranges of an access URL", () => {
  it("asks with comp=pagelist and x-ms-range, and reads the PageList", async () => {
    const asked: Array<{ url?: string; range?: string | string[] }> = [];
    const ranges = await withUrl(
      (request, response) => {
        asked.push({ url: request.url, range: request.headers["x-ms-range"] });
        response.writeHead(200, { "content-type": "application/xml" }).end(pageList([[0, MIB - 1], [3 * MIB, 4 * MIB + 511]]));
      },
      (url) => url.pageRanges(4 * MIB + 512),
    );
    assert.deepEqual(ranges, [{ start: 0, end: MIB - 1 }, { start: 3 * MIB, end: 4 * MIB + 511 }]);
    assert.deepEqual(asked, [{ url: "/blob/disks/d/abcd?sig=x&comp=pagelist", range: `bytes=0-${4 * MIB + 511}` }]);
  });

  it("follows NextMarker through a paged answer", async () => {
    const markers: Array<string | null> = [];
    const ranges = await withUrl(
      (request, response) => {
        const marker = new URL(request.url ?? "", "http://x").searchParams.get("marker");
        markers.push(marker);
        const body = marker === null ? pageList([[0, 511]], "2!page two") : pageList([[MIB, MIB + 511]]);
        response.writeHead(200, { "content-type": "application/xml" }).end(body);
      },
      (url) => url.pageRanges(2 * MIB),
    );
    assert.deepEqual(markers, [null, "2!page two"]);
    assert.deepEqual(ranges, [{ start: 0, end: 511 }, { start: MIB, end: MIB + 511 }]);
  });

  it("says there is no listing when comp=pagelist is refused, or ignored by a server that serves bytes instead", async () => {
    const refused = (_request: IncomingMessage, response: ServerResponse) =>
      response.writeHead(400, { "content-type": "application/xml", "x-ms-error-code": "InvalidQueryParameterValue" }).end("<Error><Code>InvalidQueryParameterValue</Code></Error>");
    assert.equal(await withUrl(refused, (url) => url.pageRanges(MIB)), undefined);

    let sent = 0;
    const ignored = (_request: IncomingMessage, response: ServerResponse) => {
      response.writeHead(206, { "content-type": "application/octet-stream", "content-length": String(64 * MIB) });
      const more = () => {
        while (sent < 64 * MIB && response.write(Buffer.alloc(MIB))) sent += MIB;
      };
      response.on("drain", more);
      more();
    };
    assert.equal(await withUrl(ignored, (url) => url.pageRanges(64 * MIB)), undefined);
    assert.ok(sent < 64 * MIB, "the bytes were not read to the end");
  });

  it("refuses a listing out of order or past the end", async () => {
    const answer = (ranges: Array<[number, number]>) => (_request: IncomingMessage, response: ServerResponse) =>
      response.writeHead(200, { "content-type": "application/xml" }).end(pageList(ranges));
    await assert.rejects(withUrl(answer([[MIB, 2 * MIB - 1], [0, 511]]), (url) => url.pageRanges(4 * MIB)), /out of order/);
    await assert.rejects(withUrl(answer([[0, 4 * MIB]]), (url) => url.pageRanges(4 * MIB)), /past the 4194304 bytes/);
  });
});

describe("ranged reads of an access URL", () => {
  const serving = (body: Buffer, extra = 0) => (request: IncomingMessage, response: ServerResponse) => {
    const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers["x-ms-range"])) ?? [];
    const piece = body.subarray(Number(first), Number(last) + 1 + extra);
    // In several writes, so that the body arrives in several parts.
    response.writeHead(206, { "content-length": String(piece.length) });
    for (let at = 0; at < piece.length; at += 100_000) response.write(piece.subarray(at, at + 100_000));
    response.end();
  };

  it("receives the bytes into the buffer it is given, which the caller reuses", async () => {
    const disk = pattern(3 * MIB, 7);
    const into = Buffer.alloc(2 * MIB, 0xaa);
    const read = await withUrl(serving(disk), (url) => url.read(MIB, MIB, into));
    assert.equal(read.buffer, into.buffer);
    assert.equal(read.byteOffset, into.byteOffset);
    assert.ok(read.equals(disk.subarray(MIB, 2 * MIB)));
    assert.ok(into.subarray(MIB).every((byte) => byte === 0xaa), "bytes past the range were written");
  });

  it("refuses an answer longer than the range asked, whether or not a buffer was given", async () => {
    const disk = pattern(3 * MIB, 9);
    await assert.rejects(
      withUrl(serving(disk, 4096), (url) => url.read(0, MIB, Buffer.alloc(MIB))),
      /Asked for 1048576 bytes at 0, received 1052672/,
    );
    await assert.rejects(
      withUrl(serving(disk, 4096), (url) => url.read(0, MIB)),
      /received 1052672/,
    );
  });
});
