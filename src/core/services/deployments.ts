// Template deployments at resource-group scope, as Microsoft.Resources serves them: validate, run
// as a long-running operation (deployment-runner.ts), read, list, delete, and their per-resource
// operations. A deployment is a record in the metadata store under its resource group, so any
// request (on any server) reads it, and deleting the group deletes its deployments.

import { errors } from "../errors.js";
import { keyOf, resourceGroupId } from "../resource-id.js";
import type { TemplateScope } from "../templates/functions.js";
import { isObject } from "../templates/parameters.js";
import { planDeployment, type DeploymentPlan } from "../templates/template.js";
import type { Clock } from "../../ports/clock.js";
import type { Ids } from "../../ports/ids.js";
import type { MetadataStore, ResourceRecord, SubscriptionRecord } from "../../ports/metadata-store.js";
import type { ContentLinkReader, ResourceClient } from "../../ports/resource-client.js";
import { DeploymentRun, type DeploymentOperation } from "./deployment-runner.js";
import type { Operations } from "./operations.js";
import type { Page } from "./tracked-resources.js";

export const DEPLOYMENT_TYPE = "Microsoft.Resources/deployments";

type Json = Record<string, unknown>;

export interface DeploymentRequest {
  subscription: SubscriptionRecord;
  resourceGroup: string;
  name: string;
  body: unknown;
  readLink: ContentLinkReader;
}

/** What a deployment keeps besides what it shows. */
interface DeploymentInternal {
  /** The long-running operation of its latest run. */
  operationId: string;
  operations: DeploymentOperation[];
}

export class Deployments {
  constructor(private readonly deps: { store: MetadataStore; clock: Clock; ids: Ids; operations: Operations; sha1: (data: Uint8Array) => Uint8Array }) {}

  /** POST .../validate: the checks of a deployment, without deploying. */
  async validate(request: DeploymentRequest): Promise<Json> {
    const { plan, shown } = await this.prepare(request);
    const id = deploymentId(request);
    return {
      id,
      name: request.name,
      type: DEPLOYMENT_TYPE,
      properties: { ...shown, provisioningState: "Succeeded", timestamp: this.now(), validatedResources: plan.resources.filter((r) => r.enabled).map((r) => ({ id: r.id })) },
    };
  }

  /** PUT: checks the deployment, records it Running and runs it in the background as `client`. */
  async start(request: DeploymentRequest, client: ResourceClient): Promise<{ record: ResourceRecord; created: boolean; operationId: string }> {
    const { plan, shown, group } = await this.prepare(request);
    const id = deploymentId(request);
    const existing = await this.deps.store.getResource(keyOf(id));
    if (existing && existing.body.properties && (existing.body.properties as Json).provisioningState === "Running") throw errors.deploymentActive(request.name);
    // The run starts once the record below is written, so that its first change has a record to change.
    let written = (): void => undefined;
    const recorded = new Promise<void>((resolve) => (written = resolve));
    const operation = await this.deps.operations.start(request.subscription.id, group.location, id, async () => {
      await recorded;
      const failure = await new DeploymentRun({ ...this.deps, deploymentId: id }, plan, client).run();
      if (failure) throw failure;
    });
    const now = this.now();
    const record: ResourceRecord = {
      id,
      key: keyOf(id),
      subscriptionId: request.subscription.id.toLowerCase(),
      resourceGroup: request.resourceGroup.toLowerCase(),
      type: DEPLOYMENT_TYPE,
      parentKey: group.key,
      name: request.name,
      location: group.location,
      uniqueKey: null,
      body: {
        ...(isObject(request.body) && isObject(request.body.tags) && { tags: request.body.tags }),
        properties: { ...shown, provisioningState: "Running", timestamp: now, duration: "PT0S", correlationId: operation.id, dependencies: dependenciesOf(plan) },
      },
      internal: { operationId: operation.id, operations: [] } satisfies DeploymentInternal,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    try {
      if (existing) await this.deps.store.updateResource(record);
      else if ((await this.deps.store.createResource(record)).kind !== "created") await this.deps.store.updateResource(record);
    } finally {
      written();
    }
    return { record, created: !existing, operationId: operation.id };
  }

  async get(subscription: SubscriptionRecord, resourceGroup: string, name: string): Promise<ResourceRecord> {
    const record = await this.deps.store.getResource(keyOf(deploymentId({ subscription, resourceGroup, name })));
    if (record) return record;
    await this.group(subscription, resourceGroup);
    throw errors.deploymentNotFound(name);
  }

  async list(subscription: SubscriptionRecord, resourceGroup: string, page: { afterKey?: string; limit: number }): Promise<Page<ResourceRecord>> {
    const group = await this.group(subscription, resourceGroup);
    const items = await this.deps.store.listResources({ parentKey: group.key, type: DEPLOYMENT_TYPE, afterKey: page.afterKey, limit: page.limit });
    return items.length < page.limit ? { items } : { items, next: items[items.length - 1]?.key };
  }

  /** Deletes the deployment's history (not what it deployed); false when there was none. */
  async delete(subscription: SubscriptionRecord, resourceGroup: string, name: string): Promise<boolean> {
    const record = await this.deps.store.getResource(keyOf(deploymentId({ subscription, resourceGroup, name })));
    if (!record) {
      await this.group(subscription, resourceGroup);
      return false;
    }
    if ((record.body.properties as Json | undefined)?.provisioningState === "Running") throw errors.deploymentActive(name);
    await this.deps.store.deleteResource(record.key);
    return true;
  }

  async operationsOf(subscription: SubscriptionRecord, resourceGroup: string, name: string): Promise<Json[]> {
    const record = await this.get(subscription, resourceGroup, name);
    return internalOf(record).operations.map((operation) => renderDeploymentOperation(record.id, operation));
  }

  async operation(subscription: SubscriptionRecord, resourceGroup: string, name: string, operationId: string): Promise<Json> {
    const record = await this.get(subscription, resourceGroup, name);
    const found = internalOf(record).operations.find((o) => o.operationId.toLowerCase() === operationId.toLowerCase());
    if (!found) throw errors.operationNotFound(operationId);
    return renderDeploymentOperation(record.id, found);
  }

  /** The status body an LRO poller reads, with the deployment's own error (and its details) when it failed. */
  async status(subscription: SubscriptionRecord, resourceGroup: string, name: string, operationId: string): Promise<Json> {
    const record = await this.get(subscription, resourceGroup, name);
    const operation = await this.deps.operations.get(subscription.id, operationId);
    if (keyOf(operation.resourceId) !== record.key) throw errors.operationNotFound(operationId);
    const status = operation.status === "InProgress" ? "Running" : operation.status;
    const error = internalOf(record).operationId === operation.id ? (record.body.properties as Json).error : operation.error;
    return { status, ...(status === "Failed" && error ? { error } : {}) };
  }

  /** At start: a deployment a stop cut short cannot go on (its caller's token is gone): it fails. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    return async () => {
      const interrupted = errors.operationNotResumable(record.id);
      await this.deps.store.updateResource({
        ...record,
        body: { ...record.body, properties: { ...(record.body.properties as Json), provisioningState: "Failed", error: { code: interrupted.code, message: interrupted.message } } },
        updatedAt: this.now(),
      });
      throw interrupted;
    };
  }

  private async prepare(request: DeploymentRequest): Promise<{ plan: DeploymentPlan; shown: Json; group: ResourceRecord }> {
    if (!/^[-\w.()]{1,64}$/.test(request.name)) throw errors.invalidDeployment(`the deployment name '${request.name}' must be 1 to 64 letters, digits, '-', '_', '.', '(' or ')'.`, "name");
    const group = await this.group(request.subscription, request.resourceGroup);
    const properties = isObject(request.body) ? request.body.properties : undefined;
    if (!isObject(properties)) throw errors.invalidDeployment("the body needs 'properties' with a 'template' or a 'templateLink'.", "properties");
    const mode = properties.mode ?? "Incremental";
    if (typeof mode !== "string" || mode.toLowerCase() !== "incremental") throw errors.invalidDeployment(`mode '${String(mode)}' is not served: Vitrine deploys in 'Incremental' mode only (it never deletes what a template leaves out).`, "properties.mode");
    const template = await oneOf(properties, "template", "templateLink", request.readLink, true);
    const parametersFile = await oneOf(properties, "parameters", "parametersLink", request.readLink, false);
    const parameters = properties.parametersLink !== undefined && isObject(parametersFile) && isObject(parametersFile.parameters) ? parametersFile.parameters : parametersFile;
    const scope: TemplateScope = {
      subscriptionId: request.subscription.id,
      tenantId: request.subscription.tenantId,
      subscriptionDisplayName: request.subscription.displayName,
      resourceGroup: { name: group.name, location: group.location, tags: (group.body.tags ?? {}) as Record<string, string> },
      deploymentName: request.name,
      now: this.deps.clock.now(),
      sha1: this.deps.sha1,
    };
    const plan = planDeployment(template, parameters, scope);
    const shown: Json = {
      templateHash: plan.templateHash,
      parameters: plan.parameters,
      mode: "Incremental",
      ...(isObject(properties.templateLink) && { templateLink: properties.templateLink }),
      ...(isObject(properties.parametersLink) && { parametersLink: properties.parametersLink }),
    };
    return { plan, shown, group };
  }

  private async group(subscription: SubscriptionRecord, name: string): Promise<ResourceRecord> {
    const group = await this.deps.store.getResource(keyOf(resourceGroupId(subscription.id, name)));
    if (!group) throw errors.resourceGroupNotFound(name);
    return group;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

/** The inline value or the linked document: exactly one for the template, at most one for parameters. */
async function oneOf(properties: Json, inline: string, link: string, read: ContentLinkReader, required: boolean): Promise<unknown> {
  const value = properties[inline];
  const linked = properties[link];
  if (value !== undefined && value !== null && linked !== undefined && linked !== null) throw errors.invalidDeployment(`give '${inline}' or '${link}', not both.`, `properties.${link}`);
  if (linked !== undefined && linked !== null) {
    if (!isObject(linked) || typeof linked.uri !== "string") throw errors.invalidDeployment(`'${link}' needs a 'uri' (template specs by 'id' are not served).`, `properties.${link}`);
    return read(linked.uri);
  }
  if (required && (value === undefined || value === null)) throw errors.invalidDeployment("the body needs 'properties.template' or 'properties.templateLink'.", "properties.template");
  return value;
}

export const deploymentId = (at: { subscription: SubscriptionRecord; resourceGroup: string; name: string }): string =>
  `${resourceGroupId(at.subscription.id, at.resourceGroup)}/providers/${DEPLOYMENT_TYPE}/${at.name}`;

const internalOf = (record: ResourceRecord): DeploymentInternal => (record.internal ?? { operationId: "", operations: [] }) as unknown as DeploymentInternal;

function dependenciesOf(plan: DeploymentPlan): Json[] {
  const target = (index: number) => {
    const r = plan.resources[index];
    return { id: r?.id, resourceType: r?.type, resourceName: r?.name };
  };
  return plan.resources.filter((r) => r.dependsOn.length > 0).map((r) => ({ ...target(r.index), dependsOn: r.dependsOn.map(target) }));
}

export function renderDeployment(record: ResourceRecord): Json {
  return { id: record.id, name: record.name, type: DEPLOYMENT_TYPE, ...record.body };
}

function renderDeploymentOperation(deploymentIdValue: string, operation: DeploymentOperation): Json {
  return {
    id: `${deploymentIdValue}/operations/${operation.operationId}`,
    operationId: operation.operationId,
    properties: {
      provisioningOperation: "Create",
      provisioningState: operation.provisioningState,
      timestamp: operation.timestamp,
      duration: operation.duration,
      trackingId: operation.operationId,
      ...(operation.statusCode !== undefined && { statusCode: operation.statusCode }),
      ...(operation.statusMessage !== undefined && { statusMessage: operation.statusMessage }),
      targetResource: { id: operation.resourceId, resourceType: operation.resourceType, resourceName: operation.resourceName, apiVersion: operation.apiVersion },
    },
  };
}
