// ARM requests made on a caller's behalf (a template deployment's resource operations), through
// the server's own ARM handling, so that each provider's validation, errors and the caller's
// rights apply as they would to the caller's own request.

import type { ErrorDetail } from "../core/errors.js";

export interface ProviderError extends ErrorDetail {
  details?: ErrorDetail[];
}

export type ResourceResult =
  | { ok: true; status: number; body: Record<string, unknown> }
  | { ok: false; status: number; error: ProviderError };

export interface ResourceClient {
  /** PUTs a resource and follows its long-running operation to the end: the resource as it then is, or the provider's error. */
  put(id: string, apiVersion: string, body: Record<string, unknown>): Promise<ResourceResult>;
  get(id: string, apiVersion: string): Promise<ResourceResult>;
}

/** Fetches a deployment's templateLink or parametersLink and parses it; throws InvalidContentLink. */
export type ContentLinkReader = (uri: string) => Promise<unknown>;
