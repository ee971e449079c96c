// Checks and normalises ARM request bodies against the request schemas of the REST spec
// (extracted by scripts/extract-spec.mjs), behaving like the real front door: JSON.NET's lenient
// conversions and its messages for type errors, the Compute RP's InvalidParameter for bad values,
// read-only and unknown properties ignored, property names and enum values matched regardless
// of case and stored in the spec's casing.
import { errors, type ArmError } from "./errors.js";
import diskSpec from "./spec/disk-2025-01-02.json" with { type: "json" };
import gallerySpec from "./spec/gallery-2024-03-03.json" with { type: "json" };
import imageSpec from "./spec/image-2024-07-01.json" with { type: "json" };

export interface Schema {
  type?: string;
  format?: string;
  enum?: string[];
  extensible?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  readOnly?: boolean;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface ConformOptions {
  /** The body's name in error targets, e.g. "galleryImage" → galleryImage.properties.identifier.publisher. */
  root: string;
  /** False for PATCH bodies, which carry only what changes. */
  requireRequired: boolean;
}

export type GallerySchemaName =
  | "Gallery"
  | "GalleryUpdate"
  | "GalleryImage"
  | "GalleryImageUpdate"
  | "GalleryImageVersion"
  | "GalleryImageVersionUpdate"
  | "GalleryApplication"
  | "GalleryApplicationUpdate"
  | "GalleryApplicationVersion"
  | "GalleryApplicationVersionUpdate";

/** Gallery request schemas of api-version 2024-03-03, plus the 2025-03-03 storageAccountStrategy. */
export const gallerySchemas: Record<GallerySchemaName, Schema> = gallerySpec;

export type DiskSchemaName = "Disk" | "DiskUpdate" | "Snapshot" | "SnapshotUpdate" | "GrantAccessData" | "Image" | "ImageUpdate";

/** Disks and snapshots (DiskRP 2025-01-02) and managed images (ComputeRP 2024-07-01). */
export const diskSchemas: Record<DiskSchemaName, Schema> = { ...(diskSpec as Record<string, Schema>), ...(imageSpec as Record<string, Schema>) } as Record<DiskSchemaName, Schema>;

export type SchemaName = GallerySchemaName | DiskSchemaName;

/** Every request schema Vitrine checks bodies against. */
export const armSchemas: Record<SchemaName, Schema> = { ...gallerySchemas, ...diskSchemas };

// Where a value sits: ARM's dotted error target, JSON.NET's path (no root) and the property name.
interface Location {
  target: string;
  json: string;
  property: string;
}

/** Returns a normalised deep copy of `value`, or throws ArmError. */
export function conform(value: unknown, schema: Schema, options: ConformOptions): unknown {
  if (value === null || value === undefined) throw errors.requiredParameterMissing(options.root);
  return check(value, schema, { target: options.root, json: "", property: options.root }, options.requireRequired);
}

function check(value: unknown, schema: Schema, at: Location, requireRequired: boolean): unknown {
  switch (schema.type) {
    case "object":
      return checkObject(value, schema, at, requireRequired);
    case "array":
      if (!Array.isArray(value)) throw notContainer(value, "list", "a JSON array (e.g. [1,2,3])", at);
      // null items are absent, as null properties are; indexes in errors stay the client's
      return value.flatMap((item: unknown, i) =>
        item === null || item === undefined ? [] : [check(item, schema.items ?? {}, index(at, i), requireRequired)],
      );
    case "integer":
    case "number":
      return checkBounds(toNumber(value, schema, at), schema, at);
    case "boolean":
      return toBoolean(value, at);
    case "string":
      return checkString(toText(value, schema, at), schema, at);
    default:
      return structuredClone(value);
  }
}

function checkObject(value: unknown, schema: Schema, at: Location, requireRequired: boolean): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw notContainer(value, "object", 'a JSON object (e.g. {"name":"value"})', at);
  }
  const { properties, additionalProperties } = schema;
  if (properties === undefined && additionalProperties === undefined) return structuredClone(value) as Record<string, unknown>;

  const known = properties ?? {};
  const byLowerCase = new Map(Object.keys(known).map((name) => [name.toLowerCase(), name]));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    // JSON.NET binds property names case-insensitively when there is no exact match
    const name = Object.hasOwn(known, key) ? key : byLowerCase.get(key.toLowerCase());
    const propertySchema = name === undefined ? undefined : known[name];
    if (name !== undefined && propertySchema !== undefined) {
      if (!propertySchema.readOnly) put(out, name, check(item, propertySchema, child(at, name), requireRequired));
    } else if (additionalProperties) {
      const valueSchema = additionalProperties === true ? {} : additionalProperties;
      put(out, key, check(item, valueSchema, child(at, key), requireRequired));
    }
  }
  if (requireRequired) {
    for (const name of schema.required ?? []) {
      if (!Object.hasOwn(out, name)) throw errors.requiredParameterMissing(child(at, name).target);
    }
  }
  return out;
}

function toNumber(value: unknown, schema: Schema, at: Location): number {
  const integer = schema.type === "integer";
  const clrType = !integer ? "System.Double" : schema.format === "int32" ? "System.Int32" : "System.Int64";
  const numeric = integer ? /^\s*[-+]?\d+\s*$/ : /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
  const n = typeof value === "number" ? value : typeof value === "string" && numeric.test(value) ? Number(value) : undefined;
  if (n === undefined || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw unconvertible(value, integer ? "integer" : "double", clrType, at);
  }
  const [min, max] = schema.format === "int32" ? [-2147483648, 2147483647] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  if (integer && (n < min || n > max)) {
    if (typeof value === "string") throw unconvertible(value, "integer", clrType, at);
    throw errors.invalidRequestContent(`JSON integer ${value} is too large or small for an ${clrType.slice(7)}. Path '${at.json}'.`);
  }
  return n;
}

function toBoolean(value: unknown, at: Location): boolean {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (text === "true" || text === "false") return text === "true";
  throw unconvertible(value, "boolean", "System.Boolean", at);
}

function toText(value: unknown, schema: Schema, at: Location): string {
  if (schema.format === "date-time") {
    if (typeof value !== "string") throw unconvertible(value, "date", "System.DateTimeOffset", at);
    if (!isDateTime(value)) throw errors.invalidRequestContent(`Could not convert string to DateTimeOffset: ${value}. Path '${at.json}'.`);
    return value;
  }
  if (typeof value === "string") return value;
  // JSON.NET reads a number or boolean token into a string property as its invariant text
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  throw unconvertible(value, "string", "System.String", at);
}

function checkString(text: string, schema: Schema, at: Location): string {
  let out = text;
  if (schema.enum) {
    const canonical = schema.enum.find((allowed) => allowed.toLowerCase() === text.toLowerCase());
    if (canonical !== undefined) out = canonical;
    else if (!schema.extensible) throw errors.invalidPropertyValue(text, at.property, schema.enum, at.target);
  }
  const { minLength, maxLength, pattern } = schema;
  if ((minLength !== undefined && out.length < minLength) || (maxLength !== undefined && out.length > maxLength)) {
    throw errors.lengthOutOfRange(out.length, at.property, minLength, maxLength, at.target);
  }
  if (pattern !== undefined && !new RegExp(pattern).test(out)) throw errors.patternMismatch(out, at.property, pattern, at.target);
  return out;
}

function checkBounds(n: number, schema: Schema, at: Location): number {
  const { minimum, maximum } = schema;
  if ((minimum !== undefined && n < minimum) || (maximum !== undefined && n > maximum)) {
    throw errors.valueOutOfRange(n, at.property, minimum, maximum, at.target);
  }
  return n;
}

// ISO 8601 date or date-time, as DateTimeOffset.Parse accepts them (date-only means midnight).
const isoDateTime = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?\s*$/;

function isDateTime(text: string): boolean {
  const match = isoDateTime.exec(text);
  if (!match) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => Number(part ?? 0));
  if (year === undefined || month === undefined || day === undefined) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60;
}

// --- JSON.NET-like conversion errors (the deserialiser's words, inside InvalidRequestContent) ---

function unconvertible(value: unknown, reading: string, clrType: string, at: Location): ArmError {
  if (typeof value === "object" && value !== null) {
    const token = Array.isArray(value) ? "StartArray" : "StartObject";
    return errors.invalidRequestContent(`Error reading ${reading}. Unexpected token: ${token}. Path '${at.json}'.`);
  }
  return errors.invalidRequestContent(`Error converting value ${show(value)} to type '${clrType}'. Path '${at.json}'.`);
}

function notContainer(value: unknown, into: string, requires: string, at: Location): ArmError {
  const current = Array.isArray(value) ? "array" : typeof value === "object" ? "object" : `value ${show(value)}`;
  return errors.invalidRequestContent(
    `Cannot deserialize the current JSON ${current} into a ${into} because it requires ${requires} to deserialize correctly. Path '${at.json}'.`,
  );
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

// --- paths ---

function child(at: Location, key: string): Location {
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  const step = (base: string) => (plain ? (base ? `${base}.${key}` : key) : `${base}['${key.replace(/'/g, "\\'")}']`);
  return { target: step(at.target), json: step(at.json), property: key };
}

function index(at: Location, i: number): Location {
  return { target: `${at.target}[${i}]`, json: `${at.json}[${i}]`, property: at.property };
}

// Plain assignment of "__proto__" would set the prototype instead of a key.
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
