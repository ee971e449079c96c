// The data plane of application versions: the signed URLs of core/services/application-packages.ts.
// - PUT: the body of a package upload (`vitrine sig gallery-application version create
//   --package-file`), streamed to the staging area; answered 201, as Put Blob is.
// - HEAD, and GET with or without Range: an uploaded file (the mediaLink of the version being
//   created, which the server fetches like any link) or a version's file on a complete replica
//   (`vitrine app fetch`), with ETag and Content-Range as the URL reader and downloaders expect.
// URLs are signed by the disks' signer (same key, expiry and grant); the path prefix differs, and
// the grant's resource key says what it opens, so a URL of one kind opens nothing of the other.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { errors } from "../../core/errors.js";
import { DATA_PATH_PREFIX } from "../../identity/access-urls.js";
import type { AccessGrant } from "../../ports/access-signer.js";
import type { ServerContext } from "../context.js";
import { sendStorageError } from "./disk-data.js";

export const PACKAGE_PATH_PREFIX = "/blob/packages/";

type Query = Record<string, string | undefined>;

/** The URL of a grant, ending in the file name a downloader may keep. */
export function packageUrl(context: ServerContext, grant: AccessGrant, fileName: string): string {
  const signed = new URL(context.signer.urlFor(grant));
  return `${context.publicUrl()}${PACKAGE_PATH_PREFIX}${Buffer.from(grant.resourceKey).toString("base64url")}/${encodeURIComponent(fileName)}${signed.search}`;
}

function grantOf(context: ServerContext, request: FastifyRequest): AccessGrant {
  const path = request.url.split("?")[0] ?? "";
  const encodedKey = path.slice(PACKAGE_PATH_PREFIX.length).split("/")[0] ?? "";
  const grant = context.signer.verify(`${DATA_PATH_PREFIX}${encodedKey}/file`, request.query as Query);
  if (!grant) throw errors.dataAccessDenied("The URL's signature does not match it.");
  return grant;
}

export function registerPackageDataRoutes(app: FastifyInstance, context: ServerContext): void {
  void app.register(async (scope) => {
    // Bodies of any size are streamed to the staging area, not buffered as page writes are.
    scope.removeContentTypeParser("application/octet-stream");
    scope.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
    const url = `${PACKAGE_PATH_PREFIX}:key/:file`;
    const errorHandler = (error: Error, _request: FastifyRequest, reply: FastifyReply) => sendStorageError(reply, error);
    scope.route({
      method: "PUT",
      url,
      errorHandler,
      bodyLimit: Number.MAX_SAFE_INTEGER,
      handler: async (request, reply) => {
        await context.applicationPackages.write(grantOf(context, request), (request.body ?? request.raw) as AsyncIterable<Buffer>);
        return reply.status(201).send();
      },
    });
    scope.route({ method: ["GET", "HEAD"], url, errorHandler, handler: (request, reply) => read(context, request, reply) });
  });
}

async function read(context: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const file = await context.applicationPackages.open(grantOf(context, request));
  void reply
    .header("etag", file.etag)
    .header("last-modified", file.modifiedAt.toUTCString())
    .header("accept-ranges", "bytes")
    .header("x-ms-blob-type", "BlockBlob")
    .header("content-type", "application/octet-stream");
  const range = request.headers.range;
  if (request.method === "HEAD" || (range === undefined && file.size === 0)) return reply.header("content-length", String(file.size)).status(200).send();
  if (range === undefined) return reply.header("content-length", String(file.size)).status(200).send(file.read(0, file.size - 1));
  const match = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (!match) throw errors.invalidHeaderValue("Range", `Expected bytes=<start>-[<end>], got '${range}'.`);
  const start = Number(match[1]);
  if (start >= file.size) return reply.status(416).header("content-range", `bytes */${file.size}`).send();
  const last = Math.min(match[2] === "" ? file.size - 1 : Number(match[2]), file.size - 1);
  if (last < start) throw errors.invalidHeaderValue("Range", `The range ${range} is empty.`);
  return reply
    .status(206)
    .header("content-range", `bytes ${start}-${last}/${file.size}`)
    .header("content-length", String(last - start + 1))
    .send(file.read(start, last));
}
