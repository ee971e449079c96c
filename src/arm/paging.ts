// ARM list pages: {"value": [...], "nextLink": "<absolute URL>"}; the client GETs nextLink as is.

import type { FastifyRequest } from "fastify";

export const SKIP_TOKEN = "$skipToken";

export function skipTokenOf(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, string | undefined>;
  return query[SKIP_TOKEN] ?? query.$skiptoken;
}

export function listBody<T>(publicUrl: string, request: FastifyRequest, items: T[], next: string | undefined): { value: T[]; nextLink?: string } {
  if (next === undefined) return { value: items };
  const url = new URL(request.url, publicUrl);
  url.searchParams.delete("$skiptoken");
  url.searchParams.set(SKIP_TOKEN, next);
  return { value: items, nextLink: `${publicUrl}${url.pathname}${url.search}` };
}
