// A template deployment's resource operations, sent as the caller through this server's own ARM
// routes (Fastify's inject: no network), so every resource provider's checks, errors and the
// caller's rights apply unchanged. A PUT's long-running operation is followed to its end: when
// this process runs it, by waiting for it; else by polling its status.

import type { FastifyInstance } from "fastify";
import type { Operations } from "../core/services/operations.js";
import type { ProviderError, ResourceClient, ResourceResult } from "../ports/resource-client.js";

/** Between polls of an operation another server runs (the one that started it finishes it). */
const POLL_MS = 1000;
const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

type Json = Record<string, unknown>;

export function injectedClient(app: FastifyInstance, authorization: string, operations: Operations): ResourceClient {
  const send = async (method: "GET" | "PUT", url: string, body?: Json) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    let parsed: unknown;
    try {
      parsed = response.body ? JSON.parse(response.body) : {};
    } catch {
      parsed = {};
    }
    return { status: response.statusCode, headers: response.headers, body: (parsed ?? {}) as Json };
  };
  const failure = (status: number, body: Json): ResourceResult => {
    const error = (body.error ?? {}) as Partial<ProviderError>;
    return { ok: false, status, error: { ...error, code: String(error.code ?? "InternalServerError"), message: String(error.message ?? `The request failed with status ${status}.`) } };
  };
  const get = async (id: string, apiVersion: string): Promise<ResourceResult> => {
    const response = await send("GET", `${encodePath(id)}?api-version=${encodeURIComponent(apiVersion)}`);
    return response.status >= 400 ? failure(response.status, response.body) : { ok: true, status: response.status, body: response.body };
  };

  /** Polls a status URL until its operation ends; undefined when it succeeded, else the failure. */
  const follow = async (statusUrl: string): Promise<ResourceResult | undefined> => {
    const url = new URL(statusUrl);
    const operationId = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    for (;;) {
      await operations.settled(operationId);
      const response = await send("GET", `${url.pathname}${url.search}`);
      if (response.status >= 400) return failure(response.status, response.body);
      const status = String(response.body.status ?? "").toLowerCase();
      if (status === "succeeded") return undefined;
      if (TERMINAL.has(status)) return failure(400, response.body);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  return {
    get,
    async put(id, apiVersion, body) {
      const response = await send("PUT", `${encodePath(id)}?api-version=${encodeURIComponent(apiVersion)}`, body);
      if (response.status >= 400) return failure(response.status, response.body);
      const statusUrl = headerOf(response.headers["azure-asyncoperation"]) ?? (response.status === 202 ? headerOf(response.headers.location) : undefined);
      if (statusUrl) {
        const failed = await follow(statusUrl);
        if (failed) return failed;
      }
      const final = await get(id, apiVersion);
      return final.ok ? { ...final, status: response.status } : final;
    },
  };
}

const headerOf = (value: string | string[] | number | undefined): string | undefined => (Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value));

const encodePath = (id: string): string => id.split("/").map(encodeURIComponent).join("/");
