// Requests to a disk's access URL (what beginGetAccess hands out): the page writes of a direct
// upload, and the page-range listing and ranged reads of a download, in Azure Storage's page-blob
// protocol, as @azure/storage-blob sends them, with the server's own CA and a pool of kept-alive
// sockets.
// Refusals come back in Storage's XML shape and are reported like ARM errors.

import * as http from "node:http";
import * as https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "../client.js";

/** What the server takes in one page write (src/arm/routes/disk-data.ts) and what Azure takes. */
export const MAX_PAGE_WRITE = 4 * 1024 * 1024;
const STORAGE_VERSION = "2024-08-04";
/** Delays before the retries of a request that failed in a way that may pass (a reset socket, a 503). */
const RETRY_DELAYS_MS = [250, 1000, 4000];
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const IDLE_TIMEOUT_MS = 120_000;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Bytes `start` to `end` inclusive, as Get Page Ranges lists them. */
export interface PageRange {
  start: number;
  end: number;
}

/** Whether a reply's body is wanted, judged on its status and headers; an unwanted one is not read. */
type BodyWanted = (status: number, headers: http.IncomingHttpHeaders) => boolean;

/** A failure to talk to the URL at all: retried, then reported. */
class NetworkError extends Error {}

export class AccessUrl {
  private readonly agent: http.Agent;
  private readonly request: typeof https.request;

  /** `sockets`: requests in flight at once, one per parallel worker. */
  constructor(
    private readonly url: string,
    ca: Buffer,
    sockets: number,
  ) {
    const secure = new URL(url).protocol === "https:";
    // The server's CA replaces the default ones, as the CLI's ARM client does.
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: sockets, ca }) : new http.Agent({ keepAlive: true, maxSockets: sockets });
    this.request = secure ? https.request : http.request;
  }

  /** `PUT <url>&comp=page` with x-ms-page-write: update; offset and length multiples of 512, at most 4 MiB. */
  async writePages(offset: number, bytes: Buffer): Promise<void> {
    if (offset % 512 !== 0 || bytes.length % 512 !== 0 || bytes.length === 0 || bytes.length > MAX_PAGE_WRITE) {
      throw new RangeError(`a page write of ${bytes.length} bytes at ${offset} is not 512-aligned or exceeds 4 MiB`);
    }
    const separator = this.url.includes("?") ? "&" : "?";
    await this.exchange("PUT", `${this.url}${separator}comp=page`, {
      "x-ms-page-write": "update",
      "x-ms-range": `bytes=${offset}-${offset + bytes.length - 1}`,
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
    }, bytes);
  }

  /**
   * Exactly `length` bytes from `offset`, with one ranged GET; received into `into` (at least
   * `length` bytes, which the caller may reuse once it is done with the result) when given.
   */
  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const reply = await this.exchange("GET", this.url, { "x-ms-range": `bytes=${offset}-${offset + length - 1}` }, undefined, undefined, into?.subarray(0, length));
    if (reply.body.length !== length) {
      throw new CliError(502, "IncompleteRead", `Asked for ${length} bytes at ${offset}, received ${reply.body.length}.`);
    }
    return reply.body;
  }

  /**
   * Get Page Ranges (`GET <url>&comp=pagelist`): the ranges of the `total` bytes served that may
   * hold data, ascending, following NextMarker when the answer is paged (Azure may page it).
   * Undefined when the server does not list them: it refuses comp=pagelist, or (a server that
   * predates it) ignores the comp and serves bytes, which are then not read.
   */
  async pageRanges(total: number): Promise<PageRange[] | undefined> {
    const separator = this.url.includes("?") ? "&" : "?";
    const xml: BodyWanted = (status, headers) => status >= 400 || /\bxml\b/i.test(headers["content-type"] ?? "");
    const ranges: PageRange[] = [];
    let marker = "";
    do {
      const url = `${this.url}${separator}comp=pagelist${marker ? `&marker=${encodeURIComponent(marker)}` : ""}`;
      let reply: Reply;
      try {
        reply = await this.exchange("GET", url, { "x-ms-range": `bytes=0-${total - 1}` }, undefined, xml);
      } catch (error) {
        if (error instanceof CliError) return undefined;
        throw error;
      }
      if (!xml(reply.status, reply.headers)) return undefined;
      const text = reply.body.toString("utf8");
      for (const [, start, end] of text.matchAll(/<PageRange>\s*<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>\s*<\/PageRange>/g)) {
        ranges.push({ start: Number(start), end: Number(end) });
      }
      marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(text)?.[1] ?? "";
    } while (marker);
    let previousEnd = -1;
    for (const { start, end } of ranges) {
      if (start <= previousEnd || end < start || end >= total) {
        throw new CliError(502, "BadResponse", `The access URL listed the page range ${start}-${end} out of order, or past the ${total} bytes it serves.`);
      }
      previousEnd = end;
    }
    return ranges;
  }

  /** The size of what the URL serves (for a disk: the disk and its 512-byte VHD footer). */
  async size(): Promise<number> {
    const reply = await this.exchange("HEAD", this.url, {});
    const size = Number(reply.headers["content-length"]);
    if (!Number.isSafeInteger(size) || size < 512) throw new CliError(502, "BadResponse", "The access URL did not say how large the disk is (Content-Length).");
    return size;
  }

  close(): void {
    this.agent.destroy();
  }

  private async exchange(method: string, url: string, headers: Record<string, string>, body?: Buffer, wanted?: BodyWanted, into?: Buffer): Promise<Reply> {
    const all = { ...headers, "x-ms-version": STORAGE_VERSION, "accept-encoding": "identity" };
    for (let attempt = 0; ; attempt++) {
      const delay = RETRY_DELAYS_MS[attempt];
      let reply: Reply;
      try {
        reply = await this.once(method, url, all, body, wanted, into);
      } catch (error) {
        if (!(error instanceof NetworkError) || delay === undefined) throw error;
        await sleep(delay);
        continue;
      }
      if (RETRY_STATUSES.has(reply.status) && delay !== undefined) {
        await sleep(delay);
        continue;
      }
      if (reply.status >= 400) throw storageError(method, reply);
      return reply;
    }
  }

  /** `into`: where a successful reply's body goes, as far as it fits (a longer one is collected whole, and refused by its length). */
  private once(method: string, url: string, headers: Record<string, string>, body?: Buffer, wanted?: BodyWanted, into?: Buffer): Promise<Reply> {
    return new Promise((done, fail) => {
      const outgoing = this.request(url, { method, headers, agent: this.agent }, (incoming) => {
        if (wanted && !wanted(incoming.statusCode ?? 0, incoming.headers)) {
          // The socket goes with it: it would otherwise carry the rest of the body.
          incoming.destroy();
          done({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.alloc(0) });
          return;
        }
        const target = into && (incoming.statusCode ?? 0) < 300 ? into : undefined;
        let copied = 0;
        const parts: Buffer[] = [];
        incoming.on("data", (part: Buffer) => {
          if (target && parts.length === 0 && copied + part.length <= target.length) copied += part.copy(target, copied);
          else parts.push(part);
        });
        incoming.on("error", (error) => fail(new NetworkError(error.message)));
        incoming.on("end", () => {
          const received = target && parts.length === 0 ? target.subarray(0, copied) : Buffer.concat(target ? [target.subarray(0, copied), ...parts] : parts);
          done({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: received });
        });
      });
      outgoing.setTimeout(IDLE_TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer for ${IDLE_TIMEOUT_MS / 1000} s`)));
      outgoing.on("error", (error) => fail(new NetworkError(`Cannot reach ${new URL(url).origin}: ${error.message}`)));
      outgoing.end(body);
    });
  }
}

/** Storage's `<Error><Code>..</Code><Message>..</Message></Error>`, or its x-ms-error-code alone (HEAD). */
function storageError(method: string, reply: Reply): CliError {
  const text = reply.body.toString("utf8");
  const header = reply.headers["x-ms-error-code"];
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (Array.isArray(header) ? header[0] : header) ?? `Http${reply.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return new CliError(reply.status, code, message === undefined ? `${method} on the access URL failed with status ${reply.status}.` : unescapeXml(message));
}

const unescapeXml = (text: string): string =>
  text.replace(/&(#\d+|lt|gt|amp|quot|apos);/g, (entity, name: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    return name.startsWith("#") ? String.fromCharCode(Number(name.slice(1))) : (named[name] ?? entity);
  });
