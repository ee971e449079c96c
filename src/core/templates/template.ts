// A template deployment's plan: the template checked (shape, expressions, functions, parameters,
// variables, resources and their order) before anything is deployed, then the values evaluated
// when each resource is deployed and, at the end, the outputs. Pure: reference() reads resources
// through a resolver the deployment gives, which throws NeedsReference for one not fetched yet.

import { errors } from "../errors.js";
import { callsIn, type Expression } from "./expression.js";
import { evaluateValue, expressionOf, expressionsIn, ExpressionError, NeedsReference, type EvalContext } from "./evaluate.js";
import { isKnownFunction, type TemplateScope } from "./functions.js";
import { canonicalType, checkParameter, declarationsOf, isObject, isSecureType, suppliedValues } from "./parameters.js";
import { planResources, TEMPLATE_ONLY_KEYS, type PlannedResource } from "./plan.js";
import { murmurHash64 } from "./unique-string.js";

type Json = Record<string, unknown>;

/** Reads a deployed resource: its properties, or the whole resource for reference(..., 'Full'). */
export type ReferenceResolver = (id: string, apiVersion: string | undefined, full: boolean) => unknown;

export interface DeploymentPlan {
  scope: TemplateScope;
  /** Every parameter's final value and type, as a deployment shows them. */
  parameters: Record<string, { type: string; value?: unknown }>;
  resources: PlannedResource[];
  /** A hash of the template, as ARM reports one. */
  templateHash: string;
  /** The evaluation context for a resource instance (its copy indices), reading references through `resolve`. */
  contextFor(copyIndices: readonly (readonly [string, number])[], resolve: ReferenceResolver | undefined): EvalContext;
  outputs: Json;
}

export const MAX_OUTPUTS = 64;
const MAX_PARAMETERS = 256;
const MAX_VARIABLES = 256;

/** Checks a template with the supplied parameter values, and plans its resources; throws InvalidTemplate naming where. */
export function planDeployment(template: unknown, supplied: unknown, scope: TemplateScope): DeploymentPlan {
  if (!isObject(template)) throw errors.invalidTemplate("The template must be a JSON object.", "template");
  if (template.languageVersion !== undefined && String(template.languageVersion) !== "1.0") {
    throw errors.invalidTemplate(`The template languageVersion '${String(template.languageVersion)}' (symbolic resource names) is not supported by Vitrine; compile Bicep without symbolic names, or write 'resources' as an array.`, "languageVersion");
  }
  const variables = template.variables ?? {};
  const outputs = template.outputs ?? {};
  if (!isObject(variables)) throw errors.invalidTemplate("The template 'variables' must be an object.", "variables");
  if (!isObject(outputs)) throw errors.invalidTemplate("The template 'outputs' must be an object.", "outputs");
  if (!Array.isArray(template.resources ?? [])) throw errors.invalidTemplate("The template 'resources' must be an array.", "resources");
  if (Object.keys(outputs).length > MAX_OUTPUTS) throw errors.invalidTemplate(`The template has ${Object.keys(outputs).length} outputs; the limit is ${MAX_OUTPUTS}.`, "outputs");
  if (Object.keys(variables).length > MAX_VARIABLES) throw errors.invalidTemplate(`The template has more than ${MAX_VARIABLES} variables.`, "variables");
  const declarations = declarationsOf(template.parameters);
  if (declarations.size > MAX_PARAMETERS) throw errors.invalidTemplate(`The template has more than ${MAX_PARAMETERS} parameters.`, "parameters");
  checkExpressions(template);
  const values = suppliedValues(supplied, declarations);

  const parameterValues = new Map<string, unknown>();
  const variableValues = new Map<string, unknown>();
  const resolving = new Set<string>();
  const once = (kind: string, name: string, cache: Map<string, unknown>, compute: () => unknown): unknown => {
    const key = name.toLowerCase();
    if (cache.has(key)) return cache.get(key);
    if (resolving.has(`${kind}:${key}`)) throw errors.invalidTemplate(`The ${kind} '${name}' refers to itself (directly or through others).`, `${kind === "parameter" ? "parameters" : "variables"}.${name}`);
    resolving.add(`${kind}:${key}`);
    try {
      const value = compute();
      cache.set(key, value);
      return value;
    } finally {
      resolving.delete(`${kind}:${key}`);
    }
  };

  const parameter = (name: string): unknown => {
    const declaration = declarations.get(name.toLowerCase());
    if (!declaration) throw new ExpressionError(`The template parameter '${name}' is not found.`);
    return once("parameter", declaration.name, parameterValues, () => {
      if (values.has(name.toLowerCase())) return checkParameter(declaration, values.get(name.toLowerCase()));
      if (!Object.hasOwn(declaration.declaration, "defaultValue")) {
        throw errors.invalidTemplate(`The value for the template parameter '${declaration.name}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.`, `parameters.${declaration.name}`);
      }
      const context = makeContext([], undefined, true);
      return checkParameter(declaration, evaluateValue(declaration.declaration.defaultValue, context, `parameters.${declaration.name}.defaultValue`));
    });
  };

  const loops = Array.isArray(variables.copy) ? (variables.copy as unknown[]) : [];
  const variable = (name: string): unknown => {
    const key = Object.keys(variables).find((k) => k !== "copy" && k.toLowerCase() === name.toLowerCase());
    const loopAt = loops.findIndex((loop) => isObject(loop) && typeof loop.name === "string" && loop.name.toLowerCase() === name.toLowerCase());
    if (key === undefined && loopAt < 0) throw new ExpressionError(`The template variable '${name}' is not found.`);
    return once("variable", key ?? name, variableValues, () => {
      const context = makeContext([], undefined, false);
      if (key !== undefined) return evaluateValue(variables[key], context, `variables.${key}`);
      return (evaluateValue({ copy: [loops[loopAt]] }, context, "variables") as Json)[name];
    });
  };

  const makeContext = (copyIndices: readonly (readonly [string, number])[], resolve: ReferenceResolver | undefined, allowUtcNow: boolean): EvalContext => ({
    scope,
    allowUtcNow,
    parameter,
    variable,
    copyIndex: (loop) => {
      const found = loop === undefined ? copyIndices.at(-1) : copyIndices.findLast(([name]) => name.toLowerCase() === loop.toLowerCase());
      if (!found) throw new ExpressionError(`The template function 'copyIndex' is not expected at this location${loop ? `: there is no copy loop '${loop}' around it` : ""}.`);
      return found[1];
    },
    withCopyIndex: (loop, index) => makeContext([...copyIndices, [loop, index]], resolve, allowUtcNow),
    reference: (target, apiVersion, full) => {
      if (!resolve) throw new ExpressionError("The template function 'reference' is not expected at this location: it is allowed in resource properties and outputs.");
      return resolve(target, apiVersion, full);
    },
  });

  // Every parameter and variable is evaluated now, so that a bad one is refused before anything is deployed.
  const shown: DeploymentPlan["parameters"] = {};
  for (const declaration of declarations.values()) {
    const value = parameter(declaration.name);
    shown[declaration.name] = isSecureType(declaration.type) ? { type: declaration.type } : { type: declaration.type, value };
  }
  for (const name of Object.keys(variables)) if (name !== "copy") variable(name);
  for (const loop of loops) if (isObject(loop) && typeof loop.name === "string") variable(loop.name);

  const resources = planResources((template.resources ?? []) as unknown[], scope, (copyIndices) => makeContext(copyIndices, undefined, false));
  for (const [name, output] of Object.entries(outputs)) {
    if (!isObject(output) || !canonicalType(output.type) || (!Object.hasOwn(output, "value") && !isObject(output.copy))) {
      throw errors.invalidTemplate(`The template output '${name}' needs a 'type' (${"string, int, bool, object, array"}) and a 'value'.`, `outputs.${name}`);
    }
  }
  return {
    scope,
    parameters: shown,
    resources,
    outputs,
    templateHash: murmurHash64(new TextEncoder().encode(JSON.stringify(template))).toString(),
    contextFor: (copyIndices, resolve) => makeContext(copyIndices, resolve, false),
  };
}

/** The body a resource's PUT sends: the resource's template JSON without the template-only keys, evaluated. */
export function evaluateResourceBody(plan: DeploymentPlan, resource: PlannedResource, resolve: ReferenceResolver): Json {
  const body: Json = {};
  for (const [key, value] of Object.entries(resource.source)) if (!TEMPLATE_ONLY_KEYS.has(key.toLowerCase())) body[key] = value;
  return evaluateValue(body, plan.contextFor(resource.copyIndices, referenceIn(plan, resolve)), resource.path) as Json;
}

/** The outputs, as a deployment shows them: `{"name": {"type": "String", "value": ...}}`. */
export function evaluateOutputs(plan: DeploymentPlan, resolve: ReferenceResolver): Record<string, { type: string; value: unknown }> {
  const out: Record<string, { type: string; value: unknown }> = {};
  const context = plan.contextFor([], referenceIn(plan, resolve));
  for (const [name, output] of Object.entries(plan.outputs) as [string, Json][]) {
    const type = canonicalType(output.type) as string;
    const path = `outputs.${name}`;
    if (output.condition !== undefined && evaluateValue(output.condition, context, `${path}.condition`) === false) continue;
    const value = isObject(output.copy)
      ? (evaluateValue({ copy: [{ ...output.copy, name }] }, context, path) as Json)[name]
      : evaluateValue(output.value, context, `${path}.value`);
    out[name] = { type, value: type === "Int" && typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value };
  }
  return out;
}

/** reference('name') means the template's resource of that name, with its apiVersion. */
function referenceIn(plan: DeploymentPlan, resolve: ReferenceResolver): ReferenceResolver {
  return (target, apiVersion, full) => {
    const resource = target.startsWith("/") ? plan.resources.find((r) => r.id.toLowerCase() === target.toLowerCase()) : findByName(plan.resources, target);
    if (!target.startsWith("/") && !resource) throw new ExpressionError(`The resource '${target}' is not defined in the template; give reference() a resource id and an api-version for a resource deployed elsewhere.`);
    const version = apiVersion ?? resource?.apiVersion;
    if (!version) throw new ExpressionError(`The template function 'reference' needs an api-version for '${target}', which this template does not deploy.`);
    return resolve(resource?.id ?? target, version, full);
  };
}

export const findByName = (resources: readonly PlannedResource[], name: string): PlannedResource | undefined => {
  const lower = name.toLowerCase();
  return resources.find((r) => r.name.toLowerCase() === lower) ?? resources.find((r) => `${r.type}/${r.name}`.toLowerCase() === lower);
};

/** Parses every expression in the template: malformed ones and unknown functions are refused with their place. */
function checkExpressions(template: Json): void {
  const places: [unknown, string, boolean][] = [
    [template.parameters, "parameters", false],
    [template.variables, "variables", false],
    [template.resources, "resources", true],
    [template.outputs, "outputs", true],
  ];
  for (const [value, root, referenceAllowed] of places) {
    for (const { text, path } of expressionsIn(value, root)) {
      for (const call of callsIn(expressionOf(text, path) as Expression)) {
        if (!isKnownFunction(call.name)) throw errors.invalidTemplate(`The template function '${call.name}' is not valid. Please see https://aka.ms/arm-template-expressions for usage details.`, path);
        if (!referenceAllowed && call.name.toLowerCase() === "reference") throw errors.invalidTemplate("The template function 'reference' is not expected at this location: it is allowed in resource properties and outputs.", path);
      }
    }
  }
}

export { NeedsReference };
