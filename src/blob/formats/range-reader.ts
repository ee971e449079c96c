// RangeReaders over the two places image bytes come from: a local file and an HTTP(S) URL that
// answers Range requests (Azure Blob and Azurite SAS URLs, S3 presigned URLs, plain web servers).
import { open } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { systemClock, type Clock } from "../../ports/clock.js";
import { DiskImageError, type Extent, type RangeReader } from "../disk-image.js";
import { checkReadRange } from "./mapped-read.js";

/** A reader over a local file, with positional reads; a file that shrinks underneath is refused. */
export async function openFileReader(path: string): Promise<RangeReader> {
  const handle = await open(path, "r");
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    size,
    async read(offset, length, into) {
      checkReadRange(offset, length, size);
      const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new DiskImageError(`The file ended at byte ${offset + done}, before the ${size} bytes it had when it was opened: it was truncated while being read.`, "truncated");
        }
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}

export interface UrlReaderOptions {
  /** Certificate authorities to trust for https; as in node:tls, they replace the default ones. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Sent with every request, e.g. x-ms-version for Azure Blob. */
  headers?: Record<string, string>;
  /** What a refused SAS token's or presigned URL's expiry is compared with, to say why it was refused. */
  clock?: Clock;
}

const MAX_REDIRECTS = 5;
/** Delays before each retry of a request that failed in a way that may pass (a reset socket, a 503). */
const RETRY_DELAYS_MS = [200, 1000, 3000];
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const IDLE_TIMEOUT_MS = 60_000;
/** Sockets per reader: enough for the parallel reads of one fragmented chunk, few enough to be polite. */
const MAX_SOCKETS = 8;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A reader over an HTTP(S) URL: the size from a one-byte Range GET, then one Range GET per read,
 * each of which must answer 206 with exactly the bytes asked for and the same ETag (or
 * Last-Modified) as the first, so that a blob rewritten mid-ingest is refused, not mixed.
 */
export async function openUrlReader(url: string, options: UrlReaderOptions = {}): Promise<RangeReader> {
  let target = parseUrl(url);
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(options.ca !== undefined && { ca: options.ca }) }),
  };
  const destroyAgents = () => {
    agents["http:"].destroy();
    agents["https:"].destroy();
  };
  let headers: Record<string, string> = { ...options.headers, "accept-encoding": "identity" };
  const clock = options.clock ?? systemClock;

  let size: number;
  let validator: string | undefined;
  let pageBlob = false;
  try {
    for (let redirects = 0; ; redirects++) {
      const reply = await getRange(target, agents, headers, 0, 0);
      const location = reply.headers.location;
      if (![301, 302, 303, 307, 308].includes(reply.status) || location === undefined) {
        size = sizeFromProbe(target, reply, clock);
        validator = validatorOf(reply.headers);
        pageBlob = reply.headers["x-ms-blob-type"] === "PageBlob";
        break;
      }
      if (redirects === MAX_REDIRECTS) throw new DiskImageError(`${describe(target)} redirected more than ${MAX_REDIRECTS} times.`, "unsupported");
      const next = parseUrl(new URL(location, target).href);
      if (next.origin !== target.origin) headers = withoutCredentials(headers);
      target = next;
    }
  } catch (error) {
    destroyAgents();
    throw error;
  }

  const source = target;
  const sent = headers;
  return {
    size,
    async read(offset, length) {
      checkReadRange(offset, length, size);
      if (length === 0) return Buffer.alloc(0);
      const last = offset + length - 1;
      const reply = await getRange(source, agents, sent, offset, last);
      if (reply.status === 412) throw changed(source);
      if (reply.status === 200) throw new DiskImageError(`${describe(source)} stopped answering range requests while it was being read.`, "unsupported");
      if (reply.status !== 206) throw statusError(source, reply, clock);
      if (validatorOf(reply.headers) !== validator) throw changed(source);
      const range = parseContentRange(reply.headers["content-range"]);
      if (range?.total !== size) throw changed(source);
      if (range.first !== offset || range.last !== last || reply.body.length !== length) {
        throw new DiskImageError(`${describe(source)} answered bytes ${range.first}-${range.last} (${reply.body.length} bytes) to a request for bytes ${offset}-${last}.`, "malformed");
      }
      return reply.body;
    },
    // Azure page blobs (a VHD in a storage account, Azurite, another Vitrine's read URL) list the
    // ranges that hold data: the zeros of a fixed VHD need not cross the network.
    ...(pageBlob && { dataRanges: () => listPageRanges(source, agents, sent, size, validator) }),
    async close() {
      destroyAgents();
    },
  };
}

/** The storage version whose Get Page Ranges answers are paged with NextMarker; old enough for every Azurite. */
const PAGE_LIST_VERSION = "2020-10-02";

/**
 * Get Page Ranges (`comp=pagelist`), following NextMarker. Undefined when the source does not
 * answer it (a 4xx, say): the caller then reads everything. A source that changed since the
 * probe is refused as reads are.
 */
async function listPageRanges(source: URL, agents: Record<"http:" | "https:", http.Agent>, headers: Record<string, string>, size: number, validator: string | undefined): Promise<Extent[] | undefined> {
  const ranges: Extent[] = [];
  let marker = "";
  do {
    const url = new URL(source);
    url.searchParams.set("comp", "pagelist");
    if (marker) url.searchParams.set("marker", marker);
    const reply = await getRetried(url, agents, { ...headers, "x-ms-version": PAGE_LIST_VERSION }, MAX_LISTING, [200], "its page ranges");
    if (reply.status !== 200) return undefined;
    if (validatorOf(reply.headers) !== validator) throw changed(source);
    const xml = reply.body.toString("utf8");
    for (const [, start, end] of xml.matchAll(/<PageRange>\s*<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>\s*<\/PageRange>/g)) {
      const offset = Number(start);
      const length = Number(end) - offset + 1;
      const previous = ranges[ranges.length - 1];
      if (length <= 0 || offset + length > size || (previous && offset < previous.offset + previous.length)) {
        throw new DiskImageError(`${describe(source)} listed the page range ${start}-${end}, out of order or past its ${size} bytes.`, "malformed");
      }
      ranges.push({ offset, length });
    }
    marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1] ?? "";
  } while (marker);
  return ranges;
}

/** The largest page listing read (an XML answer). */
const MAX_LISTING = 16 * 1024 * 1024;

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DiskImageError("The image source is not a valid URL.", "unsupported");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DiskImageError(`The image source must be an http or https URL, not ${parsed.protocol}.`, "unsupported");
  }
  return parsed;
}

/** The URL without its query string, which for a SAS URL is a secret. */
function describe(url: URL): string {
  return `The source ${url.origin}${url.pathname}`;
}

function changed(target: URL): DiskImageError {
  return new DiskImageError(
    `${describe(target)} was refused: the source changed while it was being read (its ETag, Last-Modified or size is no longer the one it had at the start).`,
    "malformed",
  );
}

/** Credentials meant for one origin are not forwarded to another. */
function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !["authorization", "cookie"].includes(name.toLowerCase())));
}

function sizeFromProbe(target: URL, probe: Reply, clock: Clock): number {
  if (probe.status === 206 || probe.status === 416) {
    const range = parseContentRange(probe.headers["content-range"]);
    if (range?.total !== undefined) return range.total;
    throw new DiskImageError(`${describe(target)} does not say its size in Content-Range, so it cannot be read in ranges.`, "unsupported");
  }
  if (probe.status === 200) {
    throw new DiskImageError(`${describe(target)} does not support HTTP range requests (it answered 200 to a Range request), so the image cannot be read from it in place.`, "unsupported");
  }
  throw statusError(target, probe, clock);
}

function statusError(target: URL, reply: Reply, clock: Clock): DiskImageError {
  const code = reply.headers["x-ms-error-code"] ?? reply.headers["x-amz-error-code"];
  const detail = typeof code === "string" ? ` (${code})` : "";
  const hint =
    reply.status === 404
      ? ": there is no file at that address"
      : reply.status === 401 || reply.status === 403
        ? `: access was denied; ${accessProblem(target.searchParams, clock.now())}`
        : "";
  return new DiskImageError(`${describe(target)} answered HTTP ${reply.status}${detail}${hint}.`, "unsupported");
}

/**
 * Why a refused signed URL was refused, as far as its own parameters tell: the 403 does not say
 * (Azurite gives no detail; Azure and S3 put theirs in an XML body), and an expired token looks
 * like a wrong signature. Signatures are secrets and are never quoted.
 */
function accessProblem(query: URLSearchParams, now: Date): string {
  if (query.has("X-Amz-Signature")) {
    // An S3 presigned URL: valid for X-Amz-Expires seconds from X-Amz-Date (20250101T000000Z).
    const signed = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get("X-Amz-Date") ?? "");
    const lifetime = Number(query.get("X-Amz-Expires") ?? NaN);
    const expiry = signed && new Date(Date.UTC(+signed[1]!, +signed[2]! - 1, +signed[3]!, +signed[4]!, +signed[5]!, +signed[6]!) + lifetime * 1000);
    if (expiry && expiry.getTime() <= now.getTime()) return `its presigned URL expired at ${expiry.toISOString()}; make a new one`;
    return "the store refused its presigned URL although it has not expired: its signature or the credentials that made it are not accepted; make a new one for this object";
  }
  if (!query.has("sig")) return "the URL carries no SAS token or signature; add a read SAS token to it";
  const expiry = query.get("se");
  const start = query.get("st");
  const permissions = query.get("sp");
  if (expiry !== null && Date.parse(expiry) <= now.getTime()) return `its SAS token expired at ${expiry} (se); make a new one`;
  if (start !== null && Date.parse(start) > now.getTime()) return `its SAS token is not valid before ${start} (st)`;
  if (permissions !== null && !permissions.includes("r")) return `its SAS token does not grant read permission (sp=${permissions}); make one with r`;
  return "its SAS token is within its validity period and grants read, so the storage account did not accept its signature (sig) or a restriction in it (IP range, protocol): make a new read SAS for this blob with the account's current key";
}

function validatorOf(headers: http.IncomingHttpHeaders): string | undefined {
  return headers.etag ?? headers["last-modified"];
}

interface ContentRange {
  first: number | undefined;
  last: number | undefined;
  total: number | undefined;
}

// Content-Range as "bytes 0-0/1234"; a 416 sends "bytes */1234", and "/*" means the size is unknown.
function parseContentRange(value: string | undefined): ContentRange | undefined {
  const match = value === undefined ? null : /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return undefined;
  const number = (text: string | undefined) => (text === undefined || text === "*" ? undefined : Number(text));
  return { first: number(match[1]), last: number(match[2]), total: number(match[3]) };
}

/** A Range GET, retried while it fails in a way that may pass. */
function getRange(target: URL, agents: Record<"http:" | "https:", http.Agent>, headers: Record<string, string>, first: number, last: number): Promise<Reply> {
  return getRetried(target, agents, { ...headers, range: `bytes=${first}-${last}` }, last - first + 1, [206], `bytes ${first}-${last}`);
}

/** A GET retried while it fails in a way that may pass; `read` and `limit` as for `send`, `what` names what was asked for. */
async function getRetried(target: URL, agents: Record<"http:" | "https:", http.Agent>, headers: Record<string, string>, limit: number, read: number[], what: string): Promise<Reply> {
  const agent = target.protocol === "https:" ? agents["https:"] : agents["http:"];
  for (let attempt = 0; ; attempt++) {
    const delay = RETRY_DELAYS_MS[attempt];
    try {
      const reply = await send(target, agent, headers, limit, read);
      if (!RETRY_STATUSES.has(reply.status) || delay === undefined) return reply;
    } catch (error) {
      if (error instanceof DiskImageError) throw error;
      if (delay === undefined) {
        // Unreachable, refused, or a certificate not trusted: the client's URL, not a server fault.
        throw new DiskImageError(`${describe(target)} could not be read (${what}): ${(error as Error).message}`, "unsupported");
      }
    }
    await sleep(delay);
  }
}

/** One GET; only the body of a status in `read` is read (anything else may be a whole multi-GiB file), up to `expected` bytes. */
function send(target: URL, agent: http.Agent, headers: Record<string, string>, expected: number, read: number[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const get = target.protocol === "https:" ? https.get : http.get;
    const request = get(target, { agent, headers }, (response) => {
      const status = response.statusCode ?? 0;
      response.on("error", reject);
      if (!read.includes(status)) {
        response.destroy();
        resolve({ status, headers: response.headers, body: Buffer.alloc(0) });
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > expected) {
          response.destroy();
          reject(new DiskImageError(`${describe(target)} sent more than the ${expected} bytes asked for.`, "malformed"));
        } else {
          chunks.push(chunk);
        }
      });
      response.on("end", () => resolve({ status, headers: response.headers, body: Buffer.concat(chunks, received) }));
      response.on("close", () => {
        if (!response.complete) reject(new Error("the connection closed before the whole answer arrived"));
      });
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} seconds`)));
    request.on("error", reject);
  });
}
