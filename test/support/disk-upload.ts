// What the SDK tests of disks and images share: a direct upload with @azure/storage-blob's page
// writes, the error code of a failed SDK call, and the bytes a region's store occupies.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RestError } from "@azure/core-rest-pipeline";
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";

const PAGE_WRITE = 4 * 1024 * 1024;

/** The error code of a failed call, or undefined when it succeeded. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    // Data-plane HEAD refusals carry no body: their status is what is left to assert.
    const rest = error as RestError;
    return rest.code || (rest.statusCode ? `HTTP ${rest.statusCode}` : rest.message);
  }
}

/** Uploads `file` with page writes of at most 4 MiB, skipping all-zero ranges as clients do. */
export async function uploadPages(sas: string, file: Buffer): Promise<number> {
  const client = new PageBlobClient(sas, new AnonymousCredential());
  let sent = 0;
  for (let offset = 0; offset < file.length; offset += PAGE_WRITE) {
    const piece = file.subarray(offset, Math.min(offset + PAGE_WRITE, file.length));
    if (piece.every((b) => b === 0)) continue;
    await client.uploadPages(piece, offset, piece.length);
    sent += piece.length;
  }
  return sent;
}

/** Bytes of the files under `dir`: what a region's chunk store occupies. */
export function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return total;
}
