// Microsoft.Resources/deployments at resource-group scope: PUT (a long-running operation), GET,
// list, DELETE, POST validate, the per-resource operations and the operation status pollers read.
// Resources are deployed as the caller, through this server's own routes (injected-client.ts).

import { actionFor, verbOf } from "../../core/authorize.js";
import { errors } from "../../core/errors.js";
import { deploymentId, renderDeployment, type DeploymentRequest } from "../../core/services/deployments.js";
import type { SubscriptionRecord } from "../../ports/metadata-store.js";
import { readContentLink } from "../content-links.js";
import type { ServerContext } from "../context.js";
import { injectedClient } from "../injected-client.js";
import { listBody, skipTokenOf } from "../paging.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";

const NAMESPACE = "Microsoft.Resources";

/** Whether a request path is a deployment's (its body may be JSON with comments, as az sends templates). */
export const isDeploymentPath = (url: string): boolean => /\/providers\/microsoft\.resources\/deployments(\/|$|\?)/i.test(url);

/**
 * ARM also serves deployments without `/providers/Microsoft.Resources` (az and the SDKs list a
 * deployment's operations at `/subscriptions/{s}/resourcegroups/{rg}/deployments/{name}/operations`):
 * such a URL is routed as its providers form.
 */
export function withDeploymentsProvider(url: string): string {
  return url.replace(/^(\/+subscriptions\/[^/?]+\/resourcegroups\/[^/?]+)\/deployments(?=[/?]|$)/i, "$1/providers/Microsoft.Resources/deployments");
}

export async function handleDeployments(context: ServerContext, arm: ArmRequest): Promise<unknown> {
  const { path, method, reply, request } = arm;
  const subscription = arm.subscription as SubscriptionRecord;
  const types = path.types.map((t) => t.toLowerCase());
  const url = request.url.split("?")[0] ?? "";
  if (path.resourceGroup === undefined || types[0] !== "deployments") throw errors.invalidResourceType(path.types.join("/"), NAMESPACE, arm.apiVersion);
  requireApiVersion(arm, "resources", "deployments");
  const resourceGroup = path.resourceGroup;
  const [name, child] = path.names;
  const scope = name === undefined ? `/subscriptions/${subscription.id}/resourceGroups/${resourceGroup}` : deploymentId({ subscription, resourceGroup, name });
  const deployments = context.deployments;

  if (types.length === 1 && name === undefined) {
    if (method !== "GET") methodNotAllowed(arm);
    arm.authorizer.require(actionFor(NAMESPACE, ["deployments"], "read"), scope);
    const page = await deployments.list(subscription, resourceGroup, { afterKey: skipTokenOf(request), limit: context.config.pageSize });
    return listBody(context.publicUrl(), request, page.items.map(renderDeployment), page.next);
  }
  if (name === undefined) throw errors.routeNotFound(url);

  if (types.length === 1) {
    arm.authorizer.require(actionFor(NAMESPACE, ["deployments"], verbOf(method)), scope);
    switch (method) {
      case "GET":
        return renderDeployment(await deployments.get(subscription, resourceGroup, name));
      case "PUT": {
        const authorization = request.headers.authorization ?? "";
        const client = injectedClient(request.server, authorization, context.operations);
        const { record, created, operationId } = await deployments.start(deploymentRequest(arm, name), client);
        const statusUrl = `${context.publicUrl()}${scope}/operationStatuses/${operationId}?api-version=${encodeURIComponent(arm.apiVersion)}`;
        void reply.header("azure-asyncoperation", statusUrl).header("retry-after", "1");
        return reply.status(created ? 201 : 200).send(renderDeployment(record));
      }
      case "DELETE":
        await deployments.delete(subscription, resourceGroup, name);
        return reply.status(204).send();
      default:
        return methodNotAllowed(arm);
    }
  }

  switch (types[1]) {
    case "validate":
      if (method !== "POST" || types.length !== 2 || child !== undefined) return methodNotAllowed(arm);
      arm.authorizer.require(actionFor(NAMESPACE, ["deployments", "validate"], "action"), scope);
      return deployments.validate(deploymentRequest(arm, name));
    case "operations":
      if (method !== "GET" || types.length !== 2) return methodNotAllowed(arm);
      arm.authorizer.require(actionFor(NAMESPACE, ["deployments", "operations"], "read"), scope);
      return child === undefined ? { value: await deployments.operationsOf(subscription, resourceGroup, name) } : deployments.operation(subscription, resourceGroup, name, child);
    case "operationstatuses":
      if (method !== "GET" || types.length !== 2 || child === undefined) return methodNotAllowed(arm);
      arm.authorizer.require(actionFor(NAMESPACE, ["deployments", "operationStatuses"], "read"), scope);
      return pollerAnswer(arm, await deployments.status(subscription, resourceGroup, name, child));
    default:
      throw errors.routeNotFound(url);
  }
}

function deploymentRequest(arm: ArmRequest, name: string): DeploymentRequest {
  return { subscription: arm.subscription as SubscriptionRecord, resourceGroup: arm.path.resourceGroup as string, name, body: arm.request.body, readLink: readContentLink };
}

/** Pollers take the delay to their next poll from each answer; az waits 30 s when it is missing. */
function pollerAnswer(arm: ArmRequest, status: Record<string, unknown>): Record<string, unknown> {
  if (status.status === "Running") void arm.reply.header("retry-after", "1");
  return status;
}
