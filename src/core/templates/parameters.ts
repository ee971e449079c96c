// Template parameters: declared types, the values a deployment supplies (or the defaults), their
// coercion to the declared type the way ARM converts them, and allowedValues, minValue/maxValue
// and minLength/maxLength.

import { errors } from "../errors.js";
import { deepEqual } from "./functions.js";

type Json = Record<string, unknown>;

/** Declared types and how ARM spells them back in a deployment's `parameters` and `outputs`. */
const TYPES: Record<string, string> = {
  string: "String",
  securestring: "SecureString",
  int: "Int",
  bool: "Bool",
  object: "Object",
  secureobject: "SecureObject",
  array: "Array",
};

export interface ParameterDeclaration {
  name: string;
  /** Canonical type name, e.g. "Int". */
  type: string;
  declaration: Json;
}

export const isSecureType = (type: string): boolean => type === "SecureString" || type === "SecureObject";

/** The declared type's canonical name, or undefined for a type ARM does not know. */
export const canonicalType = (type: unknown): string | undefined => (typeof type === "string" ? TYPES[type.toLowerCase()] : undefined);

export function declarationsOf(parameters: unknown): Map<string, ParameterDeclaration> {
  const out = new Map<string, ParameterDeclaration>();
  if (parameters === undefined) return out;
  if (!isObject(parameters)) throw errors.invalidTemplate("The template 'parameters' must be an object.", "parameters");
  for (const [name, declaration] of Object.entries(parameters)) {
    const path = `parameters.${name}`;
    if (!isObject(declaration)) throw errors.invalidTemplate(`The template parameter '${name}' must be an object with a 'type'.`, path);
    const type = canonicalType(declaration.type);
    if (!type) {
      throw errors.invalidTemplate(`The template parameter '${name}' has type '${String(declaration.type)}'; the types are ${Object.values(TYPES).join(", ")}.`, `${path}.type`);
    }
    out.set(name.toLowerCase(), { name, type, declaration });
  }
  return out;
}

/**
 * The values a request supplies: `{"name": {"value": ...}}`. Names the template does not declare
 * and Key Vault references (not served here) are refused.
 */
export function suppliedValues(supplied: unknown, declarations: Map<string, ParameterDeclaration>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (supplied === undefined || supplied === null) return out;
  if (!isObject(supplied)) throw errors.invalidDeploymentParameters("'parameters' must be an object of {\"name\": {\"value\": ...}}.");
  const unknown = Object.keys(supplied).filter((name) => !declarations.has(name.toLowerCase()));
  if (unknown.length > 0) {
    throw errors.invalidTemplate(
      `The template parameters '${unknown.join(", ")}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time.`,
      `parameters.${unknown[0]}`,
    );
  }
  for (const [name, entry] of Object.entries(supplied)) {
    if (!isObject(entry)) throw errors.invalidDeploymentParameters(`the parameter '${name}' must be an object with a 'value'.`);
    if (entry.reference !== undefined) throw errors.invalidDeploymentParameters(`the parameter '${name}' is a Key Vault reference, which Vitrine does not resolve; pass the value itself.`);
    if (Object.hasOwn(entry, "value")) out.set(name.toLowerCase(), entry.value);
  }
  return out;
}

/** Converts `value` to the declared type (as ARM's JSON conversion does) and checks the constraints. */
export function checkParameter(parameter: ParameterDeclaration, value: unknown): unknown {
  const { name, type, declaration } = parameter;
  const path = `parameters.${name}`;
  const converted = convert(type, value);
  if (converted === undefined) {
    throw errors.invalidTemplate(`The provided value for the template parameter '${name}' is not valid. Expected a value of type '${type}', but received a value of type '${typeName(value)}'.`, path);
  }
  const allowed = declaration.allowedValues;
  if (Array.isArray(allowed)) {
    const values = Array.isArray(converted) && type === "Array" ? converted : [converted];
    const bad = values.find((item) => !allowed.some((option) => deepEqual(option, item)));
    if (bad !== undefined) {
      throw errors.invalidTemplate(`The provided value '${JSON.stringify(bad)}' for the template parameter '${name}' is not valid. The parameter value is not part of the allowed value(s): '${allowed.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(",")}'.`, path);
    }
  }
  if (typeof converted === "number") {
    const { minValue, maxValue } = declaration;
    if (typeof minValue === "number" && converted < minValue) throw errors.invalidTemplate(`The provided value '${converted}' for the template parameter '${name}' is not valid. The parameter value is less than the minimum value '${minValue}'.`, path);
    if (typeof maxValue === "number" && converted > maxValue) throw errors.invalidTemplate(`The provided value '${converted}' for the template parameter '${name}' is not valid. The parameter value is greater than the maximum value '${maxValue}'.`, path);
  }
  if (typeof converted === "string" || Array.isArray(converted)) {
    const { minLength, maxLength } = declaration;
    const what = typeof converted === "string" ? "length" : "number of elements";
    if (typeof minLength === "number" && converted.length < minLength) throw errors.invalidTemplate(`The provided value for the template parameter '${name}' is not valid. The ${what} of the value is less than the minimum length '${minLength}'.`, path);
    if (typeof maxLength === "number" && converted.length > maxLength) throw errors.invalidTemplate(`The provided value for the template parameter '${name}' is not valid. The ${what} of the value is greater than the maximum length '${maxLength}'.`, path);
  }
  return converted;
}

/** The value as `type`, or undefined when it does not convert: "3" is an Int, "true" a Bool, 3 a String. */
function convert(type: string, value: unknown): unknown {
  switch (type) {
    case "String":
    case "SecureString":
      return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
    case "Int":
      if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
      return typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : undefined;
    case "Bool":
      if (typeof value === "boolean") return value;
      return typeof value === "string" && /^\s*(true|false)\s*$/i.test(value) ? value.trim().toLowerCase() === "true" : undefined;
    case "Array":
      return Array.isArray(value) ? value : undefined;
    default:
      return isObject(value) ? value : undefined;
  }
}

function typeName(value: unknown): string {
  if (value === null) return "Null";
  if (Array.isArray(value)) return "Array";
  if (typeof value === "number") return Number.isInteger(value) ? "Int" : "Float";
  if (typeof value === "object") return "Object";
  return typeof value === "string" ? "String" : "Bool";
}

export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
