// The HTTPS server: Fastify with ARM's conventions (request ids, JSON bodies parsed into ARM
// errors, the error envelope) and the route groups.

import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { errors } from "../core/errors.js";
import { parseJsonWithComments } from "../core/templates/jsonc.js";
import type { ServerContext } from "./context.js";
import { envelope, installErrorHandling } from "./errors.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerArmRoutes } from "./routes/arm.js";
import { isDeploymentPath, withDeploymentsProvider } from "./routes/deployments.js";
import { registerDiskDataRoutes } from "./routes/disk-data.js";
import { registerIdentityRoutes } from "./routes/identity.js";
import { registerPackageDataRoutes } from "./routes/package-data.js";
import { registerPortalRoutes } from "./routes/portal.js";
import { registerHealthRoutes, type ReadinessCheck } from "./routes/health.js";
import type { Metrics } from "./metrics.js";

export interface TlsOptions {
  certPem: string;
  keyPem: string;
}

export interface Observability {
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
}

export function buildServer(context: ServerContext, tls: TlsOptions, observability: Observability): FastifyInstance {
  const app = Fastify({
    https: { cert: tls.certPem, key: tls.keyPem },
    bodyLimit: context.config.maxBodyBytes,
    logger: { level: context.config.logLevel, serializers: { req: loggedRequest } },
    genReqId: (request) => headerValue(request.headers["x-ms-client-request-id"]) ?? randomUUID(),
    forceCloseConnections: true,
    // The router's own refusals (a malformed URL, an over-long path segment) in the ARM envelope too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).status(400).send(envelope(errors.invalidRequestContent(error.message)));
    },
    // ARM paths are case-insensitive; handlers parse request.url themselves, so casing is kept.
    // Duplicate slashes are ignored as ARM does: az joins `<endpoint>/` (the documented form of
    // `az cloud register --endpoint-resource-manager`) and `/metadata/endpoints` into `//metadata/...`.
    routerOptions: { caseSensitive: false, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    rewriteUrl: (request) => withDeploymentsProvider(request.url ?? "/"),
  });

  // A callback hook, not an async one: it runs on every request, and a promise per request costs.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-ms-request-id", randomUUID());
    void reply.header("x-ms-correlation-request-id", headerValue(request.headers["x-ms-correlation-request-id"]) ?? randomUUID());
    const clientRequestId = headerValue(request.headers["x-ms-client-request-id"]);
    if (clientRequestId) void reply.header("x-ms-client-request-id", clientRequestId);
    done();
  });

  // ARM bodies are JSON; an empty body is no body (DELETE and POST actions often send none).
  app.removeAllContentTypeParsers();
  // A deployment's body may be JSON with comments, as ARM accepts it and az 2.45 sends templates.
  app.addContentTypeParser(/^application\/(.+\+)?json/, { parseAs: "string" }, (request, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, isDeploymentPath(request.url) ? parseJsonWithComments(text) : JSON.parse(text));
    } catch (error) {
      done(errors.invalidRequestContent(error instanceof Error ? error.message : String(error)), undefined);
    }
  });

  installErrorHandling(app, context.config.maxBodyBytes);
  registerHealthRoutes(app, observability.readiness);
  observability.metrics.install(app, context.config.metricsToken);
  // A worker serves its health and metrics only: requests go to the API servers.
  if (context.config.role === "worker") return app;
  registerIdentityRoutes(app, context);
  registerArmRoutes(app, context);
  registerAdminRoutes(app, context);
  registerDiskDataRoutes(app, context);
  registerPackageDataRoutes(app, context);
  registerPortalRoutes(app);
  return app;
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * What a request log line shows: never a credential. Access URLs carry their signature in the
 * query (`sig=`), and token requests their secret in the body (never logged); headers are left out.
 */
function loggedRequest(request: { method: string; url: string; hostname?: string; ip?: string; id?: unknown }): Record<string, unknown> {
  return { method: request.method, url: request.url.replace(/([?&]sig=)[^&]*/gi, "$1REDACTED"), hostname: request.hostname, remoteAddress: request.ip, id: request.id };
}
