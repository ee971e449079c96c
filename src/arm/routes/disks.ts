// The access actions of disks and snapshots over ARM: beginGetAccess (a signed data URL,
// answered at once) and endGetAccess (finishes a direct upload as a long-running operation).

import { errors } from "../../core/errors.js";
import { diskKind, snapshotKind } from "../../core/disk-kinds.js";
import type { ResourceKind } from "../../core/resource-kinds.js";
import type { ResourceRef } from "../../core/services/tracked-resources.js";
import type { ServerContext } from "../context.js";
import { setOperationHeaders } from "../lro.js";
import { methodNotAllowed, type ArmRequest } from "./arm.js";

export const isDiskKind = (kind: ResourceKind): boolean => kind === diskKind || kind === snapshotKind;

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
