// Microsoft.Resources: subscriptions and resource groups. A caller sees the subscriptions it holds
// a role in, and the resource groups it may read.

import { actionFor, verbOf } from "../../core/authorize.js";
import { errors } from "../../core/errors.js";
import { resourceGroupId, subscriptionId } from "../../core/resource-id.js";
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
    const subscriptions = await context.subscriptions.list(arm.authorizer);
    return { value: subscriptions.map(renderSubscription) };
  }

  if (path.resourceGroup === undefined && !path.resourceGroupCollection) {
    requireApiVersion(arm, "resources", "subscriptions");
    if (method !== "GET") methodNotAllowed(arm);
    const scope = subscriptionId(subscription.id);
    if (!arm.authorizer.reachesInto(scope)) throw errors.authorizationFailed(arm.caller.objectId, "Microsoft.Resources/subscriptions/read", scope);
    return renderSubscription(subscription);
  }

  requireApiVersion(arm, "resources", "resourceGroups");
  const groups = context.resourceGroups;
  if (path.resourceGroupCollection) {
    if (method !== "GET") methodNotAllowed(arm);
    const page = await groups.list(subscription, { afterKey: skipTokenOf(request), limit: context.config.pageSize });
    const scope = subscriptionId(subscription.id);
    if (!arm.authorizer.reachesInto(scope)) throw errors.authorizationFailed(arm.caller.objectId, GROUP_READ, scope);
    const readable = page.items.filter((group) => arm.authorizer.can(GROUP_READ, group.id));
    return listBody(context.publicUrl(), request, readable.map(renderResourceGroup), page.next);
  }

  const name = path.resourceGroup as string;
  arm.authorizer.require(actionFor("Microsoft.Resources", ["subscriptions", "resourceGroups"], verbOf(method)), resourceGroupId(subscription.id, name));
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

const GROUP_READ = actionFor("Microsoft.Resources", ["subscriptions", "resourceGroups"], "read");
