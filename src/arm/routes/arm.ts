// Every request under /subscriptions (and /providers, the root scope): authenticate, load the
// caller's rights, parse the ARM path (case-insensitively), require the api-version, and hand
// over to the Microsoft.Resources, Microsoft.Compute or Microsoft.Authorization routes. Each
// route checks the caller's right to its action before it looks anything up, so a resource the
// caller may not see is refused the same way whether it exists or not, as ARM does.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isSupportedApiVersion, isWellFormedApiVersion, supportedApiVersions, type ApiVersionFamily } from "../../core/api-versions.js";
import { errors } from "../../core/errors.js";
import { normalizeLocation, REGIONS } from "../../core/regions.js";
import { parseArmPath, type ArmPath } from "../../core/resource-id.js";
import type { Authorizer } from "../../core/services/access.js";
import type { Caller } from "../../core/services/subscriptions.js";
import type { SubscriptionRecord } from "../../ports/metadata-store.js";
import { authenticate } from "../auth.js";
import type { ServerContext } from "../context.js";
import { handleAuthorization, parseAuthorizationPath } from "./authorization.js";
import { handleCompute } from "./compute.js";
import { handleDeployments } from "./deployments.js";
import { handleResourceManager } from "./resource-manager.js";

export interface ArmRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  method: string;
  path: ArmPath;
  caller: Caller;
  /** The caller's rights, loaded for this request. */
  authorizer: Authorizer;
  apiVersion: string;
  /** The subscription in the path, checked against the caller; undefined for `/subscriptions`. */
  subscription?: SubscriptionRecord;
}

const METHODS = ["GET", "HEAD", "PUT", "PATCH", "DELETE", "POST"] as const;

export function registerArmRoutes(app: FastifyInstance, context: ServerContext): void {
  const handler = (request: FastifyRequest, reply: FastifyReply) => dispatch(context, request, reply);
  app.route({ method: [...METHODS], url: "/subscriptions", handler });
  app.route({ method: [...METHODS], url: "/subscriptions/*", handler });
  app.route({ method: [...METHODS], url: "/providers/*", handler });
}

async function dispatch(context: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const caller = await authenticate(context, request);
  const authorizer = await context.access.authorizer(caller);
  const urlPath = request.url.split("?")[0] ?? "";
  const authorization = parseAuthorizationPath(urlPath);
  const path = parseArmPath(authorization?.scope ?? urlPath);
  const query = request.query as Record<string, string | undefined>;
  const apiVersion = query["api-version"] ?? query["Api-Version"] ?? query["API-VERSION"];
  if (!apiVersion) throw errors.missingApiVersion();
  if (SHARED_WITH_ME.test(urlPath)) {
    if (!isWellFormedApiVersion(apiVersion)) throw errors.invalidApiVersion(apiVersion);
    return { value: await context.sharedWithMe.list(authorizer) };
  }
  if (path.unparsed.length > 0) throw errors.routeNotFound(urlPath);
  const subscription = path.subscriptionId === undefined ? undefined : await context.subscriptions.require(authorizer, path.subscriptionId);
  const arm: ArmRequest = { request, reply, method: request.method.toUpperCase(), path, caller, authorizer, apiVersion, subscription };
  if (authorization) return handleAuthorization(context, arm, authorization);
  if (path.namespace === undefined) return handleResourceManager(context, arm);
  if (path.namespace.toLowerCase() === BILLING_NAMESPACE) return handleBilling(context, arm);
  if (path.namespace.toLowerCase() === "microsoft.resources") return handleDeployments(context, arm);
  if (path.namespace.toLowerCase() !== "microsoft.compute") throw errors.invalidResourceNamespace(path.namespace);
  return handleCompute(context, arm);
}

/** Vitrine's own listing of what was shared with the caller across subscriptions and tenants (docs/access.md). */
const SHARED_WITH_ME = /^\/providers\/Vitrine\.Sharing\/sharedWithMe\/?$/i;

/** Vitrine's own provider: the cost report of a subscription (docs/billing.md). */
const BILLING_NAMESPACE = "vitrine.billing";

function handleBilling(context: ServerContext, arm: ArmRequest): Promise<unknown> {
  const { path, subscription } = arm;
  if (!subscription || path.types.length !== 1 || path.types[0]?.toLowerCase() !== "costreport" || path.names.length > 0) throw errors.routeNotFound(arm.request.url.split("?")[0] ?? "");
  if (arm.method !== "GET") methodNotAllowed(arm);
  if (!isWellFormedApiVersion(arm.apiVersion)) throw errors.invalidApiVersion(arm.apiVersion);
  arm.authorizer.require("Vitrine.Billing/costReport/read", `/subscriptions/${subscription.id}`);
  return context.billing.report(subscription.id);
}

/** Refuses an api-version the type does not publish, in ARM's words. */
export function requireApiVersion(arm: ArmRequest, family: ApiVersionFamily, typeName: string): void {
  if (isSupportedApiVersion(family, arm.apiVersion)) return;
  if (!isWellFormedApiVersion(arm.apiVersion)) throw errors.invalidApiVersion(arm.apiVersion);
  const body = arm.request.body as { location?: unknown } | undefined;
  const location = typeof body?.location === "string" ? normalizeLocation(body.location) : "global";
  throw errors.noRegisteredProvider(location, arm.apiVersion, typeName, supportedApiVersions(family), REGIONS.map((r) => r.displayName).join(", "));
}

export function methodNotAllowed(arm: ArmRequest): never {
  throw errors.methodNotAllowed(arm.method);
}
