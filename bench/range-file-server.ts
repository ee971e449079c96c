// `node dist/bench/range-file-server.js <dir> [<tls dir>|- [<file>...]]`: serves the files of <dir>
// with Range support, ETag and Last-Modified, as a blob store serves an image to a disk Import.
// With a TLS dir (server.pem, server-key.pem) it speaks HTTPS and the page-blob subset that an
// access URL speaks (x-ms-range reads, HEAD, PUT ?comp=page writes fdatasynced into the named
// file, and GET ?comp=pagelist for the <file>s named after the TLS dir), so that the same client
// can time a bare node:https server: what Node's HTTPS costs before Vitrine does anything. With
// "-" for the TLS dir it speaks plain HTTP and still lists the <file>s' page ranges, as the page
// blob that Azure's disk Import takes its VHD from would.
// The page ranges are found the way Vitrine finds its own, so that both serve the same bytes: the
// runs of 1 MiB chunks of the file that are not all zeros (Node has no SEEK_DATA/SEEK_HOLE, and a
// file's holes are not all its zeros anyway). Each named file is read once for that at startup,
// before the port is printed: the reading is not part of any timed download.
// It runs in a process of its own, prints {"port": N} once listening, and stops when its parent
// closes its stdin.
import { readFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";

/** Largest body read at once; larger ranges are sent in pieces of this size. */
const PIECE = 4 * 1024 * 1024;
/** The chunk whose zeros Vitrine leaves out of its page ranges. */
const CHUNK = 1024 * 1024;
const STORAGE_HEADERS = { "x-ms-version": "2024-08-04", "x-ms-blob-type": "PageBlob" };

const [root, tlsDir, ...listed] = process.argv.slice(2);
if (!root) throw new Error("usage: range-file-server <dir> [<tls dir> [<file>...]]");
const files = new Map<string, Promise<{ handle: FileHandle; size: number; etag: string; modified: string }>>();
const writable = new Map<string, Promise<FileHandle>>();

interface PageRange {
  start: number;
  end: number;
}

/** The runs of the file's non-zero chunks, adjacent ones merged, with inclusive ends. */
async function dataRanges(path: string): Promise<PageRange[]> {
  const handle = await open(path, "r");
  try {
    const ranges: PageRange[] = [];
    const buffer = Buffer.allocUnsafe(PIECE);
    const zeros = Buffer.alloc(CHUNK);
    for (let at = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, PIECE, at);
      if (bytesRead === 0) return ranges;
      for (let offset = 0; offset < bytesRead; offset += CHUNK) {
        const chunk = buffer.subarray(offset, Math.min(offset + CHUNK, bytesRead));
        if (chunk.equals(zeros.subarray(0, chunk.length))) continue;
        const start = at + offset;
        const last = ranges[ranges.length - 1];
        if (last && last.end + 1 === start) last.end = start + chunk.length - 1;
        else ranges.push({ start, end: start + chunk.length - 1 });
      }
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** The page ranges of the files named on the command line, found before the server listens. */
const pageRanges = new Map<string, PageRange[]>();
for (const name of listed) pageRanges.set(basename(name), await dataRanges(join(root, basename(name))));

function file(name: string) {
  let opened = files.get(name);
  if (!opened) {
    opened = (async () => {
      const handle = await open(join(root as string, basename(name)), "r");
      const stats = await handle.stat();
      return { handle, size: stats.size, etag: `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`, modified: stats.mtime.toUTCString() };
    })();
    opened.catch(() => files.delete(name));
    files.set(name, opened);
  }
  return opened;
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const name = decodeURIComponent(url.pathname.slice(1));
  const range = req.headers["x-ms-range"] ?? req.headers.range;
  if (req.method === "PUT") return writePage(name, typeof range === "string" ? range : "", req, res);
  if (url.searchParams.get("comp") === "pagelist") return listPageRanges(name, typeof range === "string" ? range : "", res);
  let served;
  try {
    served = await file(name);
  } catch {
    res.writeHead(404).end();
    return;
  }
  const { handle, size, etag, modified } = served;
  const match = /^bytes=(\d+)-(\d*)$/.exec(typeof range === "string" ? range : "");
  const first = match ? Number(match[1]) : 0;
  const last = match && match[2] !== "" ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (first >= size || last < first) {
    res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    return;
  }
  res.writeHead(match ? 206 : 200, {
    ...STORAGE_HEADERS,
    "accept-ranges": "bytes",
    "content-length": String(last - first + 1),
    ...(match && { "content-range": `bytes ${first}-${last}/${size}` }),
    etag,
    "last-modified": modified,
    "content-type": "application/octet-stream",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  for (let at = first; at <= last; at += PIECE) {
    const length = Math.min(PIECE, last + 1 - at);
    const { buffer } = await handle.read(Buffer.allocUnsafe(length), 0, length, at);
    // Wait for the socket to drain before reading on, so a slow client costs no memory.
    if (!res.write(buffer)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

/** Get Page Ranges of a file named on the command line, clipped to the range asked, as Storage answers it. */
async function listPageRanges(name: string, range: string, res: http.ServerResponse): Promise<void> {
  const ranges = pageRanges.get(basename(name));
  if (!ranges) {
    const error = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InvalidQueryParameterValue</Code><Message>No page ranges for this file.</Message></Error>";
    res.writeHead(400, { ...STORAGE_HEADERS, "x-ms-error-code": "InvalidQueryParameterValue", "content-type": "application/xml" }).end(error);
    return;
  }
  const { size, etag, modified } = await file(name);
  const match = /^bytes=(\d+)-(\d*)$/.exec(range);
  const first = match ? Number(match[1]) : 0;
  const last = match && match[2] !== "" ? Number(match[2]) : size - 1;
  const items = ranges
    .filter((listed) => listed.end >= first && listed.start <= last)
    .map((listed) => `<PageRange><Start>${Math.max(listed.start, first)}</Start><End>${Math.min(listed.end, last)}</End></PageRange>`);
  res
    .writeHead(200, { ...STORAGE_HEADERS, "x-ms-blob-content-length": String(size), etag, "last-modified": modified, "content-type": "application/xml" })
    .end(`<?xml version="1.0" encoding="utf-8"?><PageList>${items.join("")}</PageList>`);
}

/** A page write, durable before it is acknowledged, as Vitrine's staging makes it. */
async function writePage(name: string, range: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const body = Buffer.concat(parts);
  let target = writable.get(name);
  if (!target) writable.set(name, (target = open(join(root as string, basename(name)), "w")));
  const handle = await target;
  await handle.write(body, 0, body.length, Number(/^bytes=(\d+)-/.exec(range)?.[1] ?? 0));
  await handle.datasync();
  res.writeHead(201, { ...STORAGE_HEADERS, etag: '"0x1"', "last-modified": new Date().toUTCString(), "x-ms-request-server-encrypted": "true" }).end();
}

const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
  serve(req, res).catch((error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))));
};
const server = tlsDir && tlsDir !== "-"
  ? https.createServer({ cert: readFileSync(join(tlsDir, "server.pem")), key: readFileSync(join(tlsDir, "server-key.pem")) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
