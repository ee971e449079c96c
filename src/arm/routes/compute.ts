// Microsoft.Compute: galleries and their children, disks, snapshots and images, usages and
// operation status. Each kind's service (core/services/resource-services.ts) does the work.

import { isKnownApiVersion } from "../../core/api-versions.js";
import { errors } from "../../core/errors.js";
import { findRegion } from "../../core/regions.js";
import { kindForSegments, type ResourceKind } from "../../core/resource-kinds.js";
import { renderResource, type ResourceRef } from "../../core/services/tracked-resources.js";
import { renderOperation } from "../../core/services/operations.js";
import type { SubscriptionRecord } from "../../ports/metadata-store.js";
import type { ServerContext } from "../context.js";
import { setOperationHeaders } from "../lro.js";
import { listBody, skipTokenOf } from "../paging.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";
import { handleDiskAction, isDiskKind } from "./disks.js";

export async function handleCompute(context: ServerContext, arm: ArmRequest): Promise<unknown> {
  const subscription = arm.subscription as SubscriptionRecord;
  const types = arm.path.types.map((t) => t.toLowerCase());
  const names = arm.path.names;
  if (arm.path.resourceGroup === undefined) {
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
  if (action) {
    if (isDiskKind(kind)) return handleDiskAction(context, arm, ref, action);
    throw errors.invalidResourceType(arm.path.types.join("/"), "Microsoft.Compute", arm.apiVersion);
  }
  if (names.length < kind.segments.length) return listChildren(context, arm, ref);
  return handleResource(context, arm, ref);
}

async function listBySubscription(context: ServerContext, arm: ArmRequest, subscription: SubscriptionRecord, kind: ResourceKind) {
  requireApiVersion(arm, kind.apiFamily, kind.segments.join("/"));
  if (arm.method !== "GET") methodNotAllowed(arm);
  const page = await context.trackedResources.listBySubscription(subscription, kind, { afterKey: skipTokenOf(arm.request), limit: context.config.pageSize });
  return listBody(context.publicUrl(), arm.request, page.items.map(renderResource), page.next);
}

async function listChildren(context: ServerContext, arm: ArmRequest, ref: ResourceRef) {
  if (arm.method !== "GET") methodNotAllowed(arm);
  const page = await context.trackedResources.list(ref, { afterKey: skipTokenOf(arm.request), limit: context.config.pageSize });
  return listBody(context.publicUrl(), arm.request, page.items.map(renderResource), page.next);
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
    return { value: await context.usages.list(subscription, region.name) };
  }
  if (leaf === "capsoperations" && operationId !== undefined) {
    // Polled with the api-version of the request that started it: gallery, disk or compute.
    if (!isKnownApiVersion(arm.apiVersion)) requireApiVersion(arm, "gallery", "locations/capsOperations");
    const operation = await context.operations.get(subscription.id, operationId);
    const monitor = (arm.request.query as Record<string, string | undefined>).monitor === "true";
    const status = monitor && operation.status === "InProgress" ? 202 : 200;
    // Pollers take the delay to the next poll from each answer; az waits 30 s when it is missing.
    if (operation.status === "InProgress") void arm.reply.header("retry-after", "1");
    return arm.reply.status(status).send(renderOperation(operation));
  }
  throw errors.invalidResourceType(`locations/${arm.path.types[1] ?? ""}`, "Microsoft.Compute", arm.apiVersion);
}
