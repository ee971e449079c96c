// Microsoft.Resources: subscriptions and resource groups.

import { renderResourceGroup } from "../../core/services/resource-groups.js";
import { renderSubscription } from "../../core/services/subscriptions.js";
import type { ServerContext } from "../context.js";
import { listBody, skipTokenOf } from "../paging.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";

export async function handleResourceManager(context: ServerContext, arm: ArmRequest): Promise<unknown> {
  const { path, subscription, method, reply, request } = arm;

  if (path.subscriptionCollection || !subscription) {
    requireApiVersion(arm, "resources", "subscriptions");
    if (method !== "GET") methodNotAllowed(arm);
    const subscriptions = await context.subscriptions.list(arm.caller);
    return { value: subscriptions.map(renderSubscription) };
  }

  if (path.resourceGroup === undefined && !path.resourceGroupCollection) {
    requireApiVersion(arm, "resources", "subscriptions");
    if (method !== "GET") methodNotAllowed(arm);
    return renderSubscription(subscription);
  }

  requireApiVersion(arm, "resources", "resourceGroups");
  const groups = context.resourceGroups;
  if (path.resourceGroupCollection) {
    if (method !== "GET") methodNotAllowed(arm);
    const page = await groups.list(subscription, { afterKey: skipTokenOf(request), limit: context.config.pageSize });
    return listBody(context.publicUrl(), request, page.items.map(renderResourceGroup), page.next);
  }

  const name = path.resourceGroup as string;
  switch (method) {
    case "GET":
      return renderResourceGroup(await groups.get(subscription, name));
    case "HEAD":
      return reply.status((await groups.exists(subscription, name)) ? 204 : 404).send();
    case "PUT": {
      const { record, created } = await groups.createOrUpdate(subscription, name, request.body);
      return reply.status(created ? 201 : 200).send(renderResourceGroup(record));
    }
    case "PATCH":
      return renderResourceGroup(await groups.update(subscription, name, request.body));
    case "DELETE":
      await groups.delete(subscription, name);
      return reply.status(200).send();
    default:
      return methodNotAllowed(arm);
  }
}
