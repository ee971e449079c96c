// One run of a template deployment: each resource is deployed once everything it depends on has
// succeeded (independent ones at the same time), through the caller's own ARM requests; a failed
// resource stops those that depend on it, the others go on. Every resource operation is recorded
// on the deployment as it starts and ends, then the outputs are evaluated.

import { ArmError, errors, type ErrorDetail } from "../errors.js";
import { keyOf } from "../resource-id.js";
import { ExpressionError } from "../templates/functions.js";
import type { PlannedResource } from "../templates/plan.js";
import { evaluateOutputs, evaluateResourceBody, NeedsReference, type DeploymentPlan, type ReferenceResolver } from "../templates/template.js";
import type { Clock } from "../../ports/clock.js";
import type { Ids } from "../../ports/ids.js";
import type { MetadataStore, ResourceRecord } from "../../ports/metadata-store.js";
import type { ProviderError, ResourceClient, ResourceResult } from "../../ports/resource-client.js";

type Json = Record<string, unknown>;

/** A resource operation of a deployment, as `.../deployments/{name}/operations` lists it. */
export interface DeploymentOperation {
  operationId: string;
  resourceId: string;
  resourceType: string;
  resourceName: string;
  apiVersion: string;
  provisioningState: "Running" | "Succeeded" | "Failed";
  timestamp: string;
  duration: string;
  /** The provider's HTTP status, by name (OK, Created, BadRequest, ...). */
  statusCode?: string;
  statusMessage?: unknown;
}

/** Whether the server's answer means "no such resource type here": the operation then names the type. */
const isUnservedType = (error: ProviderError): boolean =>
  ["invalidresourcenamespace", "invalidresourcetype"].includes(error.code.toLowerCase()) || (error.code === "NotFound" && error.message.startsWith("No HTTP resource"));

const STATUS_NAMES: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "NoContent", 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict", 413: "RequestEntityTooLarge", 500: "InternalServerError" };

/** How many times one resource's evaluation may stop to fetch a referenced resource. */
const MAX_REFERENCE_FETCHES = 200;

export class DeploymentRun {
  /** Deployed and referenced resources, whole, by lower-cased id. */
  private readonly known = new Map<string, Json>();
  private readonly outcomes = new Map<number, Promise<boolean>>();
  private readonly failures: ErrorDetail[] = [];
  private saving: Promise<unknown> = Promise.resolve();
  private readonly started: number;

  constructor(
    private readonly deps: { store: MetadataStore; clock: Clock; ids: Ids; deploymentId: string },
    private readonly plan: DeploymentPlan,
    private readonly client: ResourceClient,
  ) {
    this.started = deps.clock.now().getTime();
  }

  /** Runs the deployment to its end; the DeploymentFailed error when it failed. */
  async run(): Promise<ArmError | undefined> {
    await Promise.all(this.plan.resources.map((resource) => this.deploy(resource)));
    let outputs: Json | undefined;
    if (this.failures.length === 0) {
      try {
        outputs = await this.withReferences(() => evaluateOutputs(this.plan, this.resolver()));
      } catch (error) {
        this.failures.push(detailOf(error));
      }
    }
    const failure = this.failures.length > 0 ? errors.deploymentFailed(this.failures) : undefined;
    await this.change((record) => {
      const properties = { ...(record.body.properties as Json) };
      properties.provisioningState = failure ? "Failed" : "Succeeded";
      properties.duration = this.duration();
      properties.outputResources = this.plan.resources.filter((r) => this.known.has(keyOf(r.id))).map((r) => ({ id: r.id }));
      if (outputs) properties.outputs = outputs;
      if (failure) properties.error = { code: failure.code, message: failure.message, details: failure.details };
      return { ...record, body: { ...record.body, properties } };
    });
    return failure;
  }

  /** Deploys `resource` once (memoized): true when it succeeded or was skipped by its condition. */
  private deploy(resource: PlannedResource): Promise<boolean> {
    let outcome = this.outcomes.get(resource.index);
    if (!outcome) {
      outcome = this.deployAfterDependencies(resource);
      this.outcomes.set(resource.index, outcome);
    }
    return outcome;
  }

  private async deployAfterDependencies(resource: PlannedResource): Promise<boolean> {
    const ready = await Promise.all(resource.dependsOn.map((index) => this.deploy(this.plan.resources[index] as PlannedResource)));
    if (!ready.every(Boolean)) return false;
    if (!resource.enabled) return true;
    const started = this.deps.clock.now();
    const operation: DeploymentOperation = {
      operationId: this.deps.ids.uuid().toUpperCase().replaceAll("-", "").slice(0, 16),
      resourceId: resource.id,
      resourceType: resource.type,
      resourceName: resource.name,
      apiVersion: resource.apiVersion,
      provisioningState: "Running",
      timestamp: started.toISOString(),
      duration: "PT0S",
    };
    await this.record(operation);
    let result: ResourceResult;
    try {
      const body = await this.withReferences(() => evaluateResourceBody(this.plan, resource, this.resolver()));
      result = await this.client.put(resource.id, resource.apiVersion, body);
    } catch (error) {
      result = { ok: false, status: error instanceof ArmError ? error.status : 500, error: detailOf(error) };
    }
    const ended = { ...operation, timestamp: this.deps.clock.now().toISOString(), duration: durationOf(this.deps.clock.now().getTime() - started.getTime()), statusCode: STATUS_NAMES[result.status] ?? String(result.status) };
    if (result.ok) {
      this.known.set(keyOf(resource.id), result.body);
      await this.record({ ...ended, provisioningState: "Succeeded", statusMessage: { status: "OK" } });
      return true;
    }
    const error = isUnservedType(result.error) ? unserved(resource) : result.error;
    this.failures.push({ code: error.code, message: error.message, ...(error.target !== undefined && { target: error.target }) });
    await this.record({ ...ended, provisioningState: "Failed", statusMessage: { status: "Failed", error } });
    return false;
  }

  /** reference() reads what this run deployed, or fetches the resource (as the caller) and evaluates again. */
  private resolver(): ReferenceResolver {
    return (id, apiVersion, full) => {
      const resource = this.known.get(keyOf(id));
      if (!resource) throw new NeedsReference(id, apiVersion);
      return full ? resource : (resource.properties ?? {});
    };
  }

  private async withReferences<T>(evaluate: () => T): Promise<T> {
    for (let fetches = 0; ; fetches++) {
      try {
        return evaluate();
      } catch (error) {
        if (!(error instanceof NeedsReference) || fetches >= MAX_REFERENCE_FETCHES) throw error;
        const fetched = await this.client.get(error.id, error.apiVersion ?? "");
        if (!fetched.ok) throw new ArmError(fetched.status, fetched.error.code, fetched.error.message, fetched.error.target);
        this.known.set(keyOf(error.id), fetched.body);
      }
    }
  }

  private record(operation: DeploymentOperation): Promise<void> {
    return this.change((record) => {
      const internal = (record.internal ?? {}) as { operations?: DeploymentOperation[] };
      const operations = (internal.operations ?? []).filter((o) => o.operationId !== operation.operationId);
      return { ...record, internal: { ...internal, operations: [...operations, operation] } };
    });
  }

  /** Changes the stored deployment, one change after another (resources end concurrently). */
  private change(update: (record: ResourceRecord) => ResourceRecord): Promise<void> {
    const next = this.saving.then(async () => {
      const record = await this.deps.store.getResource(keyOf(this.deps.deploymentId));
      // Gone when its resource group was deleted meanwhile: nothing to record.
      if (record) await this.deps.store.updateResource({ ...update(record), updatedAt: this.deps.clock.now().toISOString() });
    });
    this.saving = next.catch(() => undefined);
    return next;
  }

  private duration(): string {
    return durationOf(this.deps.clock.now().getTime() - this.started);
  }
}

function unserved(resource: PlannedResource): ProviderError {
  const error = errors.resourceTypeNotServed(resource.type, resource.name);
  return { code: error.code, message: error.message, target: resource.path };
}

function detailOf(error: unknown): ProviderError {
  if (error instanceof ArmError) return { code: error.code, message: error.message, ...(error.target !== undefined && { target: error.target }) };
  if (error instanceof ExpressionError) return { code: "InvalidTemplate", message: error.message };
  return { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) };
}

/** ISO 8601 duration, as ARM shows one: PT1.234S. */
const durationOf = (ms: number): string => `PT${(Math.max(0, ms) / 1000).toFixed(3).replace(/\.?0+$/, "")}S`;
