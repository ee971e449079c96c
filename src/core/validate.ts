// Validation rules shared by the gallery resources: names, identifiers, ranges, dates, and the
// diff that decides whether an update only touches properties that may change.

import { errors, type ArmError } from "./errors.js";

const GALLERY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/;
const ARTIFACT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$/;
const RESOURCE_GROUP_NAME = /^[-\w._()\p{L}\p{N}]{1,90}$/u;
const VERSION_NAME = /^(\d+)\.(\d+)\.(\d+)$/;
const INT32_MAX = 2_147_483_647;

/** A GUID's text (ids of subscriptions, tenants, principals, role definitions and assignments), for patterns that hold one. */
export const GUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A whole string that is a GUID, in any case. */
export const GUID = new RegExp(`^${GUID_PATTERN}$`, "i");

export function checkGalleryName(name: string): ArmError | undefined {
  if (GALLERY_NAME.test(name)) return undefined;
  return errors.invalidResourceName(
    `Gallery name '${name}' is invalid. Allowed characters are English alphanumeric characters, with underscores, and periods allowed in the middle, up to 80 characters total. All other special characters, including dashes, are disallowed.`,
    "galleryName",
  );
}

/** Image definitions and applications: letters and digits, with dots, dashes and underscores in the middle, up to 80. */
export function checkArtifactName(name: string, target: string): ArmError | undefined {
  if (ARTIFACT_NAME.test(name)) return undefined;
  return errors.invalidResourceName(
    `The entity name '${target}' is invalid according to its validation rule: ^[^_\\W][\\w-._]{0,79}(?<![-.])$. '${name}' may only contain alphanumeric characters, with dots, dashes and underscores allowed in the middle, up to 80 characters.`,
    target,
  );
}

export function checkResourceGroupName(name: string): ArmError | undefined {
  if (RESOURCE_GROUP_NAME.test(name) && !name.endsWith(".")) return undefined;
  return errors.invalidResourceName(
    `Resource group name '${name}' is invalid. It may contain up to 90 alphanumeric characters, underscores, parentheses, hyphens and periods, and may not end in a period.`,
    "resourceGroupName",
  );
}

export interface VersionNumber {
  major: number;
  minor: number;
  patch: number;
}

/** Major.Minor.Patch, each 0..2147483647; `1.03.00` is valid (kept as written, compared numerically). */
export function parseVersionName(name: string): VersionNumber | undefined {
  const match = VERSION_NAME.exec(name);
  if (!match) return undefined;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if ([major, minor, patch].some((n) => n > INT32_MAX)) return undefined;
  return { major, minor, patch };
}

/** Publisher (≤128), offer and sku (≤64): letters, digits, `-`, `.`, `_`; not ending with a period. */
export function checkIdentifierPart(part: "publisher" | "offer" | "sku", value: string): ArmError | undefined {
  const max = part === "publisher" ? 128 : 64;
  if (value.length > 0 && value.length <= max && /^[A-Za-z0-9._-]+$/.test(value) && !value.endsWith(".")) return undefined;
  return errors.invalidParameter(
    `Asset name galleryImage.properties.identifier.${part} is not valid. It cannot be empty. Allowed characters are uppercase or lowercase letters, digits, hyphen(-), period (.), underscore (_). Names are not allowed to end with period(.). The length of the name cannot exceed ${max} characters.`,
    `galleryImage.properties.identifier.${part}`,
  );
}

export function checkMinNotAboveMax(range: { min?: unknown; max?: unknown } | undefined, property: string): ArmError | undefined {
  if (typeof range?.min !== "number" || typeof range.max !== "number" || range.min <= range.max) return undefined;
  return errors.invalidParameter(
    `The minimum value of ${property} must not be greater than the maximum value of ${property}.`,
    property,
  );
}

export function checkFutureDate(value: unknown, now: Date, target: string): ArmError | undefined {
  if (typeof value !== "string") return undefined;
  if (Date.parse(value) > now.getTime()) return undefined;
  return errors.invalidParameter("EndOfLifeDate must be set to a future date.", target);
}

type Json = unknown;

const isPlainObject = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Deep equality of JSON values; strings compare case-insensitively (enums, names) and dates by instant. */
export function sameValue(a: Json, b: Json): boolean {
  if (typeof a === "string" && typeof b === "string") {
    if (a.toLowerCase() === b.toLowerCase()) return true;
    const [ta, tb] = [Date.parse(a), Date.parse(b)];
    return /^\d{4}-\d{2}-\d{2}/.test(a) && !Number.isNaN(ta) && ta === tb;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/**
 * Applies an update to a resource's `properties` under the rule "only these paths may change":
 * an updatable path takes the new value (absent = removed); any other path keeps the old value when
 * the update omits it (clients such as az strip sources before a PUT) and must otherwise be
 * unchanged, or the update is refused with PropertyChangeNotAllowed naming `root.properties.<path>`.
 */
export function applyUpdate(
  oldProps: Record<string, Json>,
  newProps: Record<string, Json>,
  updatable: readonly string[],
  root: string,
): Record<string, Json> {
  const walk = (oldValue: Json, newValue: Json, path: string): Json => {
    if (updatable.includes(path)) return newValue;
    if (newValue === undefined) return oldValue;
    if (oldValue === undefined && !updatable.some((u) => u.startsWith(`${path}.`))) {
      if (isEmpty(newValue)) return newValue;
      throw errors.propertyChangeNotAllowed(`${root}.properties.${path}`);
    }
    if (isPlainObject(oldValue) && isPlainObject(newValue)) return merge(oldValue, newValue, `${path}.`);
    if (oldValue === undefined && isPlainObject(newValue)) return merge({}, newValue, `${path}.`);
    if (!sameValue(oldValue, newValue)) throw errors.propertyChangeNotAllowed(`${root}.properties.${path}`);
    return oldValue;
  };
  const merge = (oldObj: Record<string, Json>, newObj: Record<string, Json>, prefix: string) => {
    const out: Record<string, Json> = {};
    for (const key of new Set([...Object.keys(oldObj), ...Object.keys(newObj)])) {
      const value = walk(oldObj[key], newObj[key], `${prefix}${key}`);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
  return merge(oldProps, newProps, "");
}

const isEmpty = (value: Json): boolean =>
  value === null || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);

/** PATCH semantics: objects merge key by key, everything else (arrays included) replaces. */
export function mergePatch(target: Record<string, Json>, patch: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergePatch(current, value) : value;
  }
  return out;
}
