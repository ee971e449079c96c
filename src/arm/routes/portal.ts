// The portal: static files only. The page signs in at the token endpoint and calls the same ARM
// API as any client, with the user's own bearer token, so nothing here touches the services.
// web/ holds the page and its stylesheet; its TypeScript is compiled into dist/web/ (npm run build).

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

// This file runs as dist/src/arm/routes/portal.js: the project root is four levels up.
const ROOT = new URL("../../../../", import.meta.url);
const PAGE_DIR = fileURLToPath(new URL("web/", ROOT));
const SCRIPT_DIR = fileURLToPath(new URL("dist/web/", ROOT));

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

// Everything from this origin, nothing from anywhere else: the portal works without internet access.
const POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function registerPortalRoutes(app: FastifyInstance): void {
  app.get("/portal", (_request, reply) => reply.redirect("/portal/"));
  app.get("/portal/", (_request, reply) => send(reply, PAGE_DIR, "index.html"));
  app.get("/portal/*", (request: FastifyRequest<{ Params: { "*": string } }>, reply) => {
    const path = request.params["*"];
    if (path.startsWith("js/")) return send(reply, SCRIPT_DIR, path.slice(3));
    return send(reply, PAGE_DIR, path);
  });
}

async function send(reply: FastifyReply, dir: string, path: string): Promise<FastifyReply> {
  // Plain names in plain folders only: no "..", no dot files, no other extensions.
  const match = /^(?:[a-z0-9-]+\/)*[a-z0-9-]+\.(html|css|js|svg)$/.exec(path);
  const body = match ? await readFile(dir + path).catch(() => undefined) : undefined;
  if (!match || body === undefined) return reply.status(404).type("text/plain").send("Not found");
  return reply
    .type(TYPES[match[1] as string] as string)
    .header("cache-control", "no-cache")
    .header("content-security-policy", POLICY)
    .header("x-content-type-options", "nosniff")
    .send(body);
}
