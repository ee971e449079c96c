// `node dist/bench/range-file-server.js <dir> [<tls dir>]`: serves the files of <dir> with Range
// support, ETag and Last-Modified, as a blob store serves an image to a disk Import. With a TLS
// dir (server.pem, server-key.pem) it speaks HTTPS and the page-blob subset that an access URL
// speaks (x-ms-range reads, HEAD, PUT ?comp=page writes fdatasynced into the named file), so that
// the same client can time a bare node:https server: what Node's HTTPS costs before Vitrine does
// anything. It runs in a process of its own, prints {"port": N} once listening, and stops when its
// parent closes its stdin.
import { readFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";

/** Largest body read at once; larger ranges are sent in pieces of this size. */
const PIECE = 4 * 1024 * 1024;
const STORAGE_HEADERS = { "x-ms-version": "2024-08-04", "x-ms-blob-type": "PageBlob" };

const [root, tlsDir] = process.argv.slice(2);
if (!root) throw new Error("usage: range-file-server <dir> [<tls dir>]");
const files = new Map<string, Promise<{ handle: FileHandle; size: number; etag: string; modified: string }>>();
const writable = new Map<string, Promise<FileHandle>>();

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
  const name = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname.slice(1));
  const range = req.headers["x-ms-range"] ?? req.headers.range;
  if (req.method === "PUT") return writePage(name, typeof range === "string" ? range : "", req, res);
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
const server = tlsDir
  ? https.createServer({ cert: readFileSync(join(tlsDir, "server.pem")), key: readFileSync(join(tlsDir, "server-key.pem")) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
