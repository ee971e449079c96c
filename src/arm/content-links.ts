// A deployment's templateLink and parametersLink: fetched over http(s), at most 4 MiB (ARM's
// template size limit), parsed as JSON with comments as ARM accepts.

import { errors } from "../core/errors.js";
import { parseJsonWithComments } from "../core/templates/jsonc.js";

export const MAX_LINKED_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export async function readContentLink(uri: string): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw errors.invalidContentLink(uri, "it is not a URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw errors.invalidContentLink(uri, "only http and https links are fetched.");
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
  } catch (error) {
    throw errors.invalidContentLink(uri, error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw errors.invalidContentLink(uri, `the server answered ${response.status} ${response.statusText}.`);
  const text = await readLimited(response, uri);
  try {
    return parseJsonWithComments(text);
  } catch (error) {
    throw errors.invalidContentLink(uri, `it is not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}

async function readLimited(response: Response, uri: string): Promise<string> {
  if (Number(response.headers.get("content-length") ?? 0) > MAX_LINKED_BYTES) throw errors.invalidContentLink(uri, `it is larger than ${MAX_LINKED_BYTES} bytes.`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > MAX_LINKED_BYTES) throw errors.invalidContentLink(uri, `it is larger than ${MAX_LINKED_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
