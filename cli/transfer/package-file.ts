// Application files over the server's signed URLs (src/arm/routes/package-data.ts): a local file
// sent with one streamed PUT, and a file received with one GET into a local path, its content
// digest (content-digest.ts) computed from the bytes as they arrive.

import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import * as https from "node:https";
import { pipeline } from "node:stream/promises";
import { CliError } from "../client.js";
import { ContentDigest, DIGEST_CHUNK } from "./content-digest.js";

/** A refusal in Storage's XML shape (or any other failure status) as a CliError. */
async function refusal(response: IncomingMessage): Promise<CliError> {
  let text = "";
  for await (const chunk of response) text += String(chunk);
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? String(response.headers["x-ms-error-code"] ?? "HttpError");
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `HTTP ${response.statusCode}`;
  return new CliError(response.statusCode ?? 0, code, message);
}

function send(url: string, ca: Buffer, method: "PUT" | "GET", headers: Record<string, string>, body?: NodeJS.ReadableStream): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, headers, ca }, resolve);
    request.on("error", reject);
    if (body) body.on("error", (error) => request.destroy(error)).pipe(request);
    else request.end();
  });
}

/** Sends `path` to an upload URL; its size must be the one the upload was started with. */
export async function uploadFile(url: string, ca: Buffer, path: string): Promise<void> {
  const { size } = await stat(path);
  const response = await send(url, ca, "PUT", { "content-type": "application/octet-stream", "content-length": String(size), "x-ms-blob-type": "BlockBlob" }, createReadStream(path));
  if (response.statusCode !== 201) throw await refusal(response);
  response.resume();
}

/**
 * Writes the file at `url` to `path` and returns its content digest. A body shorter or longer than
 * its Content-Length (a server that stopped mid-way) is refused.
 */
export async function downloadFile(url: string, ca: Buffer, path: string): Promise<{ sizeBytes: number; contentDigest: string }> {
  const response = await send(url, ca, "GET", {});
  if (response.statusCode !== 200) throw await refusal(response);
  const size = Number(response.headers["content-length"]);
  if (!Number.isSafeInteger(size)) throw new Error(`${new URL(url).pathname} answered without a Content-Length.`);
  const digest = new ContentDigest(size);
  let received = 0;
  let pending = Buffer.alloc(0);
  const hashed = async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      received += chunk.length;
      if (received > size) throw new Error(`the server sent more than the ${size} bytes it announced`);
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= DIGEST_CHUNK) {
        digest.add(Math.floor((received - pending.length) / DIGEST_CHUNK), pending.subarray(0, DIGEST_CHUNK));
        pending = pending.subarray(DIGEST_CHUNK);
      }
      yield chunk;
    }
  };
  try {
    await pipeline(response, hashed, createWriteStream(path));
  } catch (error) {
    throw new Error(`The download of ${new URL(url).pathname} broke off after ${received} of ${size} bytes: ${(error as Error).message}`, { cause: error });
  }
  if (received !== size) throw new Error(`The download of ${new URL(url).pathname} ended after ${received} of ${size} bytes.`);
  if (pending.length > 0) digest.add(Math.floor((size - pending.length) / DIGEST_CHUNK), pending);
  return { sizeBytes: size, contentDigest: digest.digest() };
}
