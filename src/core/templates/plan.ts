// The resources of a template as instances to deploy: copy loops expanded, nested child resources
// given their full type and name, ids computed, and the order between them: explicit dependsOn,
// parent before child, a resource before those that reference() it, serial copy batches. A
// dependency on nothing in the template, or a cycle, is refused with where it is.

import { errors } from "../errors.js";
import { callsIn } from "./expression.js";
import { evaluateExpression, evaluateString, evaluateValue, expressionOf, expressionsIn, loopCount, type EvalContext } from "./evaluate.js";
import type { TemplateScope } from "./functions.js";
import { isObject } from "./parameters.js";

type Json = Record<string, unknown>;

export interface PlannedResource {
  /** Position in the plan; dependsOn holds these. */
  index: number;
  /** Where it is in the template, e.g. resources[0].resources[1], with the copy index when in a loop. */
  path: string;
  /** Full type, e.g. Microsoft.Compute/galleries/images. */
  type: string;
  /** Full name, e.g. gallery1/image1. */
  name: string;
  apiVersion: string;
  id: string;
  /** The copy loops around it and its index in each, outermost first. */
  copyIndices: [string, number][];
  /** The copy loop it belongs to (dependsOn may name the loop). */
  loop?: string;
  /** Its JSON in the template. */
  source: Json;
  /** False when its condition is false: it is skipped, and what depends on it goes on. */
  enabled: boolean;
  dependsOn: number[];
}

/** Keys that steer the deployment and are not sent to the resource provider. */
export const TEMPLATE_ONLY_KEYS = new Set(["type", "name", "apiversion", "dependson", "copy", "condition", "resources", "comments", "metadata", "scope"]);

export const MAX_RESOURCES = 800;

type ContextFor = (copyIndices: [string, number][]) => EvalContext;

export function planResources(list: unknown[], scope: TemplateScope, contextFor: ContextFor): PlannedResource[] {
  const resources: PlannedResource[] = [];
  expand(list, "resources", undefined, [], scope, contextFor, resources);
  addDependencies(resources, contextFor);
  checkCycles(resources);
  return resources;
}

interface Parent {
  type: string;
  name: string;
}

function expand(list: unknown[], at: string, parent: Parent | undefined, outer: [string, number][], scope: TemplateScope, contextFor: ContextFor, out: PlannedResource[]): void {
  list.forEach((raw, i) => {
    const path = `${at}[${i}]`;
    if (!isObject(raw)) throw errors.invalidTemplate("A template resource must be an object.", path);
    for (const key of ["type", "name", "apiVersion"]) {
      if (typeof raw[key] !== "string" || raw[key] === "") throw errors.invalidTemplate(`The template resource at '${path}' needs a '${key}'.`, `${path}.${key}`);
    }
    const instances: { copyIndices: [string, number][]; path: string; loop?: string }[] = [];
    if (raw.copy === undefined) instances.push({ copyIndices: outer, path });
    else {
      if (!isObject(raw.copy) || typeof raw.copy.name !== "string") throw errors.invalidTemplate("A resource copy loop needs a 'name' and a 'count'.", `${path}.copy`);
      const loop = raw.copy.name;
      const count = loopCount(evaluateValue(raw.copy.count, contextFor(outer), `${path}.copy.count`), `${path}.copy.count`);
      for (let k = 0; k < count; k++) instances.push({ copyIndices: [...outer, [loop, k]], path: `${path} (copy '${loop}' index ${k})`, loop });
    }
    for (const instance of instances) {
      const context = contextFor(instance.copyIndices);
      const shortType = textAt(raw.type, context, `${path}.type`);
      const shortName = textAt(raw.name, context, `${path}.name`);
      const type = parent ? `${parent.type}/${shortType}` : shortType;
      const name = parent ? `${parent.name}/${shortName}` : shortName;
      const [namespace, ...segments] = type.split("/");
      const names = name.split("/");
      if (!namespace?.includes(".") || segments.length === 0) throw errors.invalidTemplate(`The template resource type '${type}' is not valid: it must be 'Namespace/type', e.g. 'Microsoft.Compute/galleries'.`, `${path}.type`);
      if (names.length !== segments.length || names.some((n) => n === "")) {
        throw errors.invalidTemplate(`The template resource '${name}' of type '${type}' must have ${segments.length} name segment(s) separated by '/', one per type segment.`, `${path}.name`);
      }
      const groupId = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup.name}`;
      const id = `${extensionScope(raw.scope, context, groupId, `${path}.scope`)}/providers/${namespace}/${segments.map((s, j) => `${s}/${names[j]}`).join("/")}`;
      const condition = raw.condition === undefined ? true : evaluateValue(raw.condition, context, `${path}.condition`);
      if (typeof condition !== "boolean") throw errors.invalidTemplate("A resource condition must evaluate to true or false.", `${path}.condition`);
      if (out.length >= MAX_RESOURCES) throw errors.invalidTemplate(`The template deploys more than ${MAX_RESOURCES} resources.`, path);
      out.push({
        index: out.length,
        path: instance.path,
        type,
        name,
        apiVersion: raw.apiVersion as string,
        id,
        copyIndices: instance.copyIndices,
        ...(instance.loop !== undefined && { loop: instance.loop }),
        source: raw,
        enabled: condition,
        dependsOn: [],
      });
      if (raw.resources !== undefined) {
        if (!Array.isArray(raw.resources)) throw errors.invalidTemplate("Nested 'resources' must be an array.", `${path}.resources`);
        expand(raw.resources, `${instance.path}.resources`, { type, name }, instance.copyIndices, scope, contextFor, out);
      }
    }
  });
}

/** An extension resource's `scope` (a role assignment on a gallery): an id, or "Namespace/type/name" in this group. */
function extensionScope(value: unknown, context: EvalContext, groupId: string, path: string): string {
  if (value === undefined) return groupId;
  const scope = textAt(value, context, path).replace(/\/+$/, "");
  return scope.startsWith("/") ? scope : `${groupId}/providers/${scope}`;
}

function textAt(value: unknown, context: EvalContext, path: string): string {
  const text = evaluateString(value as string, context, path);
  if (typeof text !== "string" || text === "") throw errors.invalidTemplate(`The value at '${path}' must evaluate to a non-empty string.`, path);
  return text;
}

function addDependencies(resources: PlannedResource[], contextFor: ContextFor): void {
  const lookup = (target: string): PlannedResource[] => {
    const lower = target.toLowerCase();
    if (lower.startsWith("/")) return resources.filter((r) => r.id.toLowerCase() === lower);
    const byTypeAndName = resources.filter((r) => `${r.type}/${r.name}`.toLowerCase() === lower);
    if (byTypeAndName.length > 0) return byTypeAndName;
    return resources.filter((r) => r.name.toLowerCase() === lower || r.loop?.toLowerCase() === lower);
  };
  for (const resource of resources) {
    const deps = new Set<number>();
    const context = contextFor(resource.copyIndices);
    const dependsOn = resource.source.dependsOn ?? [];
    if (!Array.isArray(dependsOn)) throw errors.invalidTemplate("'dependsOn' must be an array.", `${resource.path}.dependsOn`);
    dependsOn.forEach((entry, j) => {
      const path = `${resource.path}.dependsOn[${j}]`;
      const target = evaluateString(String(entry), context, path);
      const found = typeof target === "string" ? lookup(target) : [];
      if (found.length === 0) throw errors.invalidTemplate(`The resource '${String(target)}' is not defined in the template.`, path);
      for (const other of found) deps.add(other.index);
    });
    // A child after its parent; an extension resource (a role assignment on a gallery) after what it extends.
    const parentId = resource.id.split("/").slice(0, -2).join("/").toLowerCase();
    const scopeId = resource.id.slice(0, resource.id.toLowerCase().lastIndexOf("/providers/")).toLowerCase();
    for (const other of resources) if ([parentId, scopeId].includes(other.id.toLowerCase())) deps.add(other.index);
    for (const target of referencedTargets(resource, context)) for (const other of lookup(target)) deps.add(other.index);
    deps.delete(resource.index);
    resource.dependsOn = [...deps].sort((a, b) => a - b);
  }
  serialBatches(resources);
}

/** What a resource's reference() calls name, where that can be known before deploying. */
function referencedTargets(resource: PlannedResource, context: EvalContext): string[] {
  const targets: string[] = [];
  for (const [key, value] of Object.entries(resource.source)) {
    if (key === "resources" || key === "dependsOn") continue;
    for (const { text, path } of expressionsIn(value, resource.path)) {
      for (const call of callsIn(expressionOf(text, path))) {
        if (call.name.toLowerCase() !== "reference" || call.args[0] === undefined) continue;
        try {
          const target = evaluateExpression(call.args[0], context);
          if (typeof target === "string") targets.push(target);
        } catch {
          // Named through another reference(): known only while deploying, as in ARM.
        }
      }
    }
  }
  return targets;
}

/** `"mode": "serial"` loops: each batch of `batchSize` (default 1) waits for the batch before it. */
function serialBatches(resources: PlannedResource[]): void {
  const seen = new Set<unknown>();
  for (const resource of resources) {
    const copy = resource.source.copy;
    if (!isObject(copy) || String(copy.mode ?? "").toLowerCase() !== "serial" || seen.has(resource.source)) continue;
    seen.add(resource.source);
    const batch = typeof copy.batchSize === "number" && copy.batchSize > 0 ? copy.batchSize : 1;
    const instances = resources.filter((r) => r.source === resource.source);
    instances.forEach((instance, k) => {
      const previous = instances.slice(Math.max(0, (Math.floor(k / batch) - 1) * batch), Math.floor(k / batch) * batch);
      instance.dependsOn = [...new Set([...instance.dependsOn, ...previous.map((p) => p.index)])].sort((a, b) => a - b);
    });
  }
}

function checkCycles(resources: PlannedResource[]): void {
  const state = new Map<number, "visiting" | "done">();
  const visit = (resource: PlannedResource): void => {
    if (state.get(resource.index) === "done") return;
    if (state.get(resource.index) === "visiting") throw errors.invalidTemplate(`Circular dependency detected on resource: '${resource.id}'. Please see https://aka.ms/arm-template/#resources for usage details.`, resource.path);
    state.set(resource.index, "visiting");
    for (const dep of resource.dependsOn) visit(resources[dep] as PlannedResource);
    state.set(resource.index, "done");
  };
  for (const resource of resources) visit(resource);
}
