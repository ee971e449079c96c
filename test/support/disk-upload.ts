// What the SDK tests of disks and images share: a direct upload with @azure/storage-blob's page
// writes, the error code (or code and message) of a failed SDK call, and the bytes a region's store occupies.

import assert from "node:assert/strict";
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

export interface Refusal {
  code: string;
  message: string;
}

/**
 * How a request was refused: a RestError's code and message for a synchronous refusal, or those of
 * a long-running operation that failed (core-lro: "The long-running operation has failed. <code>. <message>").
 */
export async function refusalOf(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code) return { code, message };
    const failed = /^The long-running operation has failed\. (\w+)\. ([\s\S]*)$/.exec(message);
    if (failed?.[1] && failed[2] !== undefined) return { code: failed[1], message: failed[2] };
    throw error;
  }
  assert.fail("the request succeeded; a refusal was expected");
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
