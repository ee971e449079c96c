// Disks and snapshots over ARM: PUT (an import runs as a long-running operation), DELETE, and the
// access actions beginGetAccess (a signed data URL, answered at once) and endGetAccess (finishes
// a direct upload as a long-running operation).

import { errors } from "../../core/errors.js";
import { diskKind, snapshotKind } from "../../core/disk-kinds.js";
import type { ResourceKind } from "../../core/resource-kinds.js";
import { renderResource, type ResourceRef } from "../../core/services/tracked-resources.js";
import type { ServerContext } from "../context.js";
import { setOperationHeaders } from "../lro.js";
import { methodNotAllowed, type ArmRequest } from "./arm.js";

export const isDiskKind = (kind: ResourceKind): boolean => kind === diskKind || kind === snapshotKind;

export async function handleDiskWrite(context: ServerContext, arm: ArmRequest, ref: ResourceRef): Promise<unknown> {
  const { reply } = arm;
  if (arm.method === "PUT") {
    const { record, created, operation } = await context.disks.put(ref, arm.request.body);
    const recorded = operation ?? (await context.operations.completed(ref.subscription.id, record.location, record.id));
    setOperationHeaders(reply, context.publicUrl(), recorded, arm.apiVersion, false);
    return reply.status(created ? 201 : 200).send(renderResource(record));
  }
  const deleted = await context.disks.delete(ref);
  if (!deleted) return reply.status(204).send();
  const operation = await context.operations.completed(ref.subscription.id, deleted.location, deleted.id);
  setOperationHeaders(reply, context.publicUrl(), operation, arm.apiVersion, true);
  return reply.status(202).send();
}

export async function handleDiskAction(context: ServerContext, arm: ArmRequest, ref: ResourceRef, action: string): Promise<unknown> {
  if (arm.method !== "POST") methodNotAllowed(arm);
  switch (action) {
    case "begingetaccess":
      return context.disks.grantAccess(ref, arm.request.body);
    case "endgetaccess": {
      const operation = await context.disks.revokeAccess(ref);
      if (!operation) return arm.reply.status(200).send();
      setOperationHeaders(arm.reply, context.publicUrl(), operation, arm.apiVersion, true);
      return arm.reply.status(202).send();
    }
    default:
      throw errors.invalidResourceType(`${ref.kind.segments.join("/")}/${action}`, "Microsoft.Compute", arm.apiVersion);
  }
}
