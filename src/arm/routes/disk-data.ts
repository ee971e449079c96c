// The data plane of disks: the URLs beginGetAccess hands out. They speak the part of Azure
// Storage's page-blob protocol that clients use for direct upload and export:
// - PUT ?comp=page, x-ms-page-write: update|clear, x-ms-range (what PageBlobClient.uploadPages and
//   clearPages send), answered 201;
// - HEAD (getProperties) and GET with Range (download), serving the disk as a fixed VHD;
// - GET ?comp=pagelist, with an optional x-ms-range (Get Page Ranges: PageBlobClient.getPageRanges
//   and listPageRanges), listing the ranges of that VHD that may hold data, so that a downloader
//   fetches those and leaves the rest as zeros. One answer holds every range: there is no
//   NextMarker, so a client's paging ends after it, whatever maxresults it asked for.
// Other `comp` values are refused: a GET that ignored one would stream the whole disk instead.
// Failures use Storage's XML error shape and x-ms-error-code, which the storage SDK parses.

import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ArmError, errors } from "../../core/errors.js";
import { ReusedBuffers } from "../../core/reused-buffers.js";
import { internalOf } from "../../core/services/disks.js";
import { DATA_PATH_PREFIX } from "../../identity/access-urls.js";
import type { DiskContentRef } from "../../ports/disk-content.js";
import type { ResourceRecord } from "../../ports/metadata-store.js";
import type { ServerContext } from "../context.js";

const STORAGE_VERSION = "2024-08-04";
const MAX_PAGE_WRITE = 4 * 1024 * 1024;
/** Spare page-write buffers kept for the next writes: enough for the 8 in flight that clients send. */
const SPARE_BODIES = 8;

type Query = Record<string, string | undefined>;

/**
 * The body of a page write, in a buffer of `buffers`; Fastify's errors for a body too large or cut
 * short. Bodies go into reused 4 MiB buffers, not a new one per write: a body lives until its bytes
 * are fsynced, long enough for V8 to move it to the old generation, where only a full garbage
 * collection frees it; a fresh one per write cost about 20 of those per 256 MiB uploaded, each a
 * pause for every other request (docs/benchmarks.md).
 */
function readBody(request: FastifyRequest, payload: IncomingMessage, buffers: ReusedBuffers): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (declared > MAX_PAGE_WRITE) return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  const buffer = buffers.take();
  let received = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (error?: Error) => {
      payload.removeListener("data", onData).removeListener("end", onEnd).removeListener("error", finish);
      if (!error && !Number.isNaN(declared) && received !== declared) error = new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH();
      if (error) {
        buffers.give(buffer);
        reject(error);
      } else {
        resolve(buffer.subarray(0, received));
      }
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > MAX_PAGE_WRITE) return finish(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      received += chunk.copy(buffer, received);
    };
    const onEnd = () => finish();
    payload.on("data", onData).on("end", onEnd).on("error", finish);
  });
}

export function registerDiskDataRoutes(app: FastifyInstance, context: ServerContext): void {
  const bodies = new ReusedBuffers(MAX_PAGE_WRITE, SPARE_BODIES);
  app.addContentTypeParser("application/octet-stream", (request, payload, done) => {
    readBody(request, payload, bodies).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
  const url = `${DATA_PATH_PREFIX}:disk/:blob`;
  const errorHandler = (error: Error, _request: FastifyRequest, reply: FastifyReply) => sendStorageError(reply, error);
  app.route({
    method: "PUT",
    url,
    errorHandler,
    handler: async (request, reply) => {
      try {
        return await writePages(context, request, reply);
      } finally {
        // Written to the staging file (or refused): the buffer is free for the next write.
        bodies.give(request.body);
      }
    },
  });
  app.route({ method: ["GET", "HEAD"], url, errorHandler, handler: (request, reply) => read(context, request, reply) });
}

async function authorize(context: ServerContext, request: FastifyRequest, access: "Read" | "Write"): Promise<ResourceRecord> {
  const path = request.url.split("?")[0] ?? "";
  return context.disks.authorizeData(context.signer.verify(path, request.query as Query), access);
}

async function writePages(context: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const query = request.query as Query;
  if (query.comp !== "page") throw errors.invalidHeaderValue("comp", "Only page writes (comp=page) are accepted on a disk upload URL.");
  const record = await authorize(context, request, "Write");
  const uploadId = internalOf(record).uploadId;
  if (!uploadId) throw errors.dataAccessDenied("The disk has no upload in progress.");
  const [start, end] = parseRange(header(request, "x-ms-range") ?? header(request, "range"));
  const mode = header(request, "x-ms-page-write")?.toLowerCase();
  if (mode === "update") {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (body.length !== end - start + 1) throw errors.invalidHeaderValue("Content-Length", `The body has ${body.length} bytes; the range ${start}-${end} needs ${end - start + 1}.`);
    await context.diskContent.writePages(uploadId, start, body);
  } else if (mode === "clear") {
    await context.diskContent.clearPages(uploadId, start, end - start + 1);
  } else {
    throw errors.invalidHeaderValue("x-ms-page-write", "It must be 'update' or 'clear'.");
  }
  return storageHeaders(reply, record).header("x-ms-blob-sequence-number", "0").header("x-ms-request-server-encrypted", "true").status(201).send();
}

async function read(context: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { comp } = request.query as Query;
  const pageList = comp === "pagelist" && request.method === "GET";
  if (comp !== undefined && !pageList) throw errors.invalidHeaderValue("comp", `A ${request.method} on a disk read URL takes no comp, or comp=pagelist on a GET; got '${comp}'.`);
  const record = await authorize(context, request, "Read");
  const content = internalOf(record).content;
  if (!content) throw errors.dataAccessDenied("The disk has no content to read.");
  if (pageList) return listPageRanges(context, request, reply, record, content);
  const { total, start, last, ranged } = askedRange(request, content);
  void storageHeaders(reply, record)
    .header("x-ms-blob-type", "PageBlob")
    .header("accept-ranges", "bytes")
    .header("content-type", "application/octet-stream");
  void reply.header("content-length", String(last - start + 1));
  if (ranged) void reply.status(206).header("content-range", `bytes ${start}-${last}/${total}`);
  if (request.method === "HEAD") return reply.header("content-length", String(total)).status(200).send();
  const writeTo = await context.diskContent.vhdWriter(content, start, last);
  // Written here, not sent as a stream: the export reuses its chunk buffers once each write has
  // completed, which only the writes' callbacks tell (docs/benchmarks.md).
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  try {
    await writeTo(reply.raw);
    reply.raw.end();
  } catch (error) {
    reply.log.warn({ err: error }, "disk download ended early");
    reply.raw.destroy(error instanceof Error ? error : new Error(String(error)));
  }
  return undefined;
}

/** Get Page Ranges: the data ranges of the served VHD within the asked range (default all of it), as Storage's PageList XML. */
async function listPageRanges(context: ServerContext, request: FastifyRequest, reply: FastifyReply, record: ResourceRecord, content: DiskContentRef): Promise<unknown> {
  const { total, start, last } = askedRange(request, content);
  const ranges = await context.diskContent.pageRanges(content, start, last);
  const items = ranges.map((range) => `<PageRange><Start>${range.start}</Start><End>${range.end}</End></PageRange>`).join("");
  return storageHeaders(reply, record)
    .header("x-ms-blob-content-length", String(total))
    .type("application/xml")
    .status(200)
    .send(`<?xml version="1.0" encoding="utf-8"?><PageList>${items}</PageList>`);
}

/** The bytes of the served VHD (the disk and its footer) that x-ms-range or Range asks for, all of them without one. */
function askedRange(request: FastifyRequest, content: DiskContentRef): { total: number; start: number; last: number; ranged: boolean } {
  const total = content.size + 512;
  const rangeHeader = header(request, "x-ms-range") ?? header(request, "range");
  const [start, end] = rangeHeader ? parseRange(rangeHeader, total) : [0, total - 1];
  if (start >= total) throw errors.invalidPageWrite(`The range starts at ${start}, past the ${total} bytes of the disk.`);
  return { total, start, last: Math.min(end, total - 1), ranged: rangeHeader !== undefined };
}

/** `bytes=a-b` (inclusive); an open end reads to `total`. */
function parseRange(value: string | undefined, total?: number): [number, number] {
  const match = /^bytes=(\d+)-(\d*)$/.exec(value ?? "");
  if (!match) throw errors.invalidHeaderValue("x-ms-range", `Expected bytes=<start>-<end>, got '${value ?? ""}'.`);
  const start = Number(match[1]);
  const end = match[2] === "" ? (total ?? 0) - 1 : Number(match[2]);
  if (end < start) throw errors.invalidPageWrite(`The range ${start}-${end} is empty.`);
  return [start, end];
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function storageHeaders(reply: FastifyReply, record: ResourceRecord): FastifyReply {
  return reply
    .header("x-ms-version", STORAGE_VERSION)
    .header("etag", `"0x${Buffer.from(record.updatedAt).toString("hex").slice(0, 16).toUpperCase()}"`)
    .header("last-modified", new Date(record.updatedAt).toUTCString());
}

export function sendStorageError(reply: FastifyReply, error: unknown): FastifyReply {
  const tooLarge = (error as { code?: string }).code === "FST_ERR_CTP_BODY_TOO_LARGE";
  const armError = error instanceof ArmError ? error : tooLarge ? errors.requestTooLarge(MAX_PAGE_WRITE) : errors.internal();
  if (armError.status >= 500) reply.log.error({ err: error }, "disk data request failed");
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${armError.code}</Code><Message>${escapeXml(armError.message)}</Message></Error>`;
  return reply.status(armError.status).header("x-ms-error-code", armError.code).header("x-ms-version", STORAGE_VERSION).type("application/xml").send(xml);
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
