// Microsoft.Compute: galleries and their children, disks, snapshots and images, usages and
// operation status. Each kind's service (core/services/resource-services.ts) does the work, once
// the caller's right to the action is checked; lists show what the caller may read.

import { isKnownApiVersion } from "../../core/api-versions.js";
import { actionFor, verbOf } from "../../core/authorize.js";
import { errors } from "../../core/errors.js";
import { findRegion } from "../../core/regions.js";
import { parseArmPath, providerResourceId, resourceGroupId, subscriptionId } from "../../core/resource-id.js";
import { galleryKind, kindForSegments, type ResourceKind } from "../../core/resource-kinds.js";
import { renderResource, type ResourceRef } from "../../core/services/tracked-resources.js";
import { renderOperation } from "../../core/services/operations.js";
import type { ResourceRecord, SubscriptionRecord } from "../../ports/metadata-store.js";
import type { ServerContext } from "../context.js";
import { setOperationHeaders } from "../lro.js";
import { listBody, skipTokenOf } from "../paging.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";
import { handleDiskAction, isDiskKind } from "./disks.js";
import { handleApplicationAction, isApplicationKind } from "./applications.js";
import { handleGalleryShare, handleSharedGalleries, resolveSharedImageReference } from "./shared-galleries.js";

export async function handleCompute(context: ServerContext, arm: ArmRequest): Promise<unknown> {
  const subscription = arm.subscription as SubscriptionRecord;
  const types = arm.path.types.map((t) => t.toLowerCase());
  const names = arm.path.names;
  if (arm.path.resourceGroup === undefined) {
    if (types[0] === "locations" && types[1] === "sharedgalleries") return handleSharedGalleries(context, arm, subscription);
    if (types[0] === "locations" && types.length === 2) return handleLocation(context, arm, subscription);
    const topLevel = kindForSegments(types);
    if (topLevel && topLevel.segments.length === 1 && names.length === 0) return listBySubscription(context, arm, subscription, topLevel);
    throw errors.invalidResourceType(arm.path.types.join("/"), "Microsoft.Compute", arm.apiVersion);
  }
  // POST .../{type}/{name}/{action}, e.g. disks/d1/beginGetAccess
  const action = arm.method === "POST" && types.length === names.length + 1 && names.length > 0 ? types[types.length - 1] : undefined;
  const kind = kindForSegments(action ? types.slice(0, -1) : types);
  if (!kind) throw errors.invalidResourceType(arm.path.types.join("/"), "Microsoft.Compute", arm.apiVersion);
  requireApiVersion(arm, kind.apiFamily, kind.segments.join("/"));
  const ref: ResourceRef = { subscription, resourceGroup: arm.path.resourceGroup, kind, names };
  if (names.length === kind.segments.length) {
    const id = providerResourceId(subscription.id, arm.path.resourceGroup, COMPUTE, kind.segments, names);
    const verb = action ? "action" : verbOf(arm.method);
    arm.authorizer.require(actionFor(COMPUTE, action ? [...kind.segments, action] : kind.segments, verb), id);
    // A version named by its shared id is reached through the share, not through a role on it.
    const shared = verb === "write" && isDiskKind(kind) ? await resolveSharedImageReference(context, arm, subscription) : undefined;
    if (verb === "write") requireLinkedReads(arm, arm.request.body, shared);
  }
  if (action) {
    if (isDiskKind(kind)) return handleDiskAction(context, arm, ref, action);
    if (isApplicationKind(kind)) return handleApplicationAction(context, arm, ref, action);
    if (kind === galleryKind && action === "share") return handleGalleryShare(context, arm, ref);
    throw errors.invalidResourceType(arm.path.types.join("/"), "Microsoft.Compute", arm.apiVersion);
  }
  if (names.length < kind.segments.length) return listChildren(context, arm, ref);
  return handleResource(context, arm, ref);
}

async function listBySubscription(context: ServerContext, arm: ArmRequest, subscription: SubscriptionRecord, kind: ResourceKind) {
  requireApiVersion(arm, kind.apiFamily, kind.segments.join("/"));
  if (arm.method !== "GET") methodNotAllowed(arm);
  const page = await context.trackedResources.listBySubscription(subscription, kind, { afterKey: skipTokenOf(arm.request), limit: context.config.pageSize });
  return listBody(context.publicUrl(), arm.request, readable(arm, kind, subscriptionId(subscription.id), page.items).map(renderResource), page.next);
}

async function listChildren(context: ServerContext, arm: ArmRequest, ref: ResourceRef) {
  if (arm.method !== "GET") methodNotAllowed(arm);
  const page = await context.trackedResources.list(ref, { afterKey: skipTokenOf(arm.request), limit: context.config.pageSize });
  return listBody(context.publicUrl(), arm.request, readable(arm, ref.kind, parentScope(ref), page.items).map(renderResource), page.next);
}

const COMPUTE = "Microsoft.Compute";

/** The id of what a child list is listed under: the parent resource, or the resource group for top-level kinds. */
function parentScope(ref: ResourceRef): string {
  const parentSegments = ref.kind.segments.slice(0, -1);
  if (parentSegments.length === 0) return resourceGroupId(ref.subscription.id, ref.resourceGroup);
  return providerResourceId(ref.subscription.id, ref.resourceGroup, COMPUTE, parentSegments, ref.names);
}

/**
 * The listed resources the caller may read: a share of one image definition shows in its
 * gallery's list. A caller with no role at, above or below the listed scope is refused, as ARM
 * refuses a list where the caller may not read.
 */
function readable(arm: ArmRequest, kind: ResourceKind, scope: string, items: ResourceRecord[]): ResourceRecord[] {
  const action = actionFor(COMPUTE, kind.segments, "read");
  if (!arm.authorizer.reachesInto(scope)) throw errors.authorizationFailed(arm.caller.objectId, action, scope);
  return items.filter((item) => arm.authorizer.can(action, item.id));
}

/**
 * A write that names another Compute resource (a disk made from an image version, a version made
 * from a managed image or a disk, a snapshot of a disk) needs read access to that resource too,
 * as ARM's linked access checks ask.
 */
function requireLinkedReads(arm: ArmRequest, body: unknown, reachedThroughShare: string | undefined): void {
  for (const id of linkedIds(body)) {
    if (id === reachedThroughShare) continue;
    const path = parseArmPath(id);
    if (path.namespace?.toLowerCase() !== COMPUTE.toLowerCase() || path.types.length === 0) continue;
    const kind = kindForSegments(path.types.map((t) => t.toLowerCase()));
    const action = actionFor(COMPUTE, kind?.segments ?? path.types, "read");
    if (!arm.authorizer.can(action, id)) throw errors.linkedAuthorizationFailed(arm.caller.objectId, action, id);
  }
}

function linkedIds(value: unknown, found: string[] = []): string[] {
  if (typeof value === "string") {
    if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(value)) found.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) linkedIds(item, found);
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) linkedIds(item, found);
  }
  return found;
}

async function handleResource(context: ServerContext, arm: ArmRequest, ref: ResourceRef) {
  const service = context.serviceFor(ref.kind);
  const { reply } = arm;
  const publicUrl = context.publicUrl();
  switch (arm.method) {
    case "GET": {
      const expand = (arm.request.query as Record<string, string | undefined>)["$expand"];
      return service.render(await context.trackedResources.get(ref), expand);
    }
    case "PUT": {
      const { record, created, operation } = await service.put(ref, arm.request.body);
      const recorded = operation ?? (await context.operations.completed(ref.subscription.id, record.location, record.id));
      setOperationHeaders(reply, publicUrl, recorded, arm.apiVersion, false);
      return reply.status(created ? (ref.kind.createdStatus ?? 201) : 200).send(service.render(record));
    }
    case "PATCH": {
      const { record, operation } = await service.patch(ref, arm.request.body);
      // No Location: a PATCH's poller then reads its result from the resource itself.
      if (operation) setOperationHeaders(reply, publicUrl, operation, arm.apiVersion, false);
      return service.render(record);
    }
    case "DELETE": {
      const deleted = await service.delete(ref);
      if (!deleted) return reply.status(204).send();
      const operation = await context.operations.completed(ref.subscription.id, deleted.location, deleted.id);
      setOperationHeaders(reply, publicUrl, operation, arm.apiVersion, true);
      return reply.status(202).send();
    }
    default:
      return methodNotAllowed(arm);
  }
}

/** `/locations/{l}/usages` and `/locations/{l}/capsOperations/{id}`. */
async function handleLocation(context: ServerContext, arm: ArmRequest, subscription: SubscriptionRecord) {
  const [locationName, operationId] = arm.path.names;
  const region = locationName === undefined ? undefined : findRegion(locationName);
  if (!region) throw errors.locationNotAvailable(locationName ?? "", "Microsoft.Compute/locations");
  const leaf = arm.path.types[1]?.toLowerCase();
  if (arm.method !== "GET") methodNotAllowed(arm);
  if (leaf === "usages" && operationId === undefined) {
    requireApiVersion(arm, "compute", "locations/usages");
    arm.authorizer.require("Microsoft.Compute/locations/usages/read", subscriptionId(subscription.id));
    return { value: await context.usages.list(subscription, region.name) };
  }
  if (leaf === "capsoperations" && operationId !== undefined) {
    // Polled with the api-version of the request that started it: gallery, disk or compute.
    if (!isKnownApiVersion(arm.apiVersion)) requireApiVersion(arm, "gallery", "locations/capsOperations");
    const operation = await context.operations.get(subscription.id, operationId);
    // Whoever may see the resource an operation acts on may follow it.
    if (!arm.authorizer.reachesInto(operation.resourceId)) throw errors.authorizationFailed(arm.caller.objectId, "Microsoft.Compute/locations/capsOperations/read", subscriptionId(subscription.id));
    const monitor = (arm.request.query as Record<string, string | undefined>).monitor === "true";
    const status = monitor && operation.status === "InProgress" ? 202 : 200;
    // Pollers take the delay to the next poll from each answer; az waits 30 s when it is missing.
    if (operation.status === "InProgress") void arm.reply.header("retry-after", "1");
    return arm.reply.status(status).send(renderOperation(operation));
  }
  throw errors.invalidResourceType(`locations/${arm.path.types[1] ?? ""}`, "Microsoft.Compute", arm.apiVersion);
}
