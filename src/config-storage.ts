// The `driver` settings of regionStorage's targets, validated with the rest of the configuration
// (config.ts): where a target's chunks live. Errors name the setting, never a credential's value.

import { ConfigError } from "./config.js";
import type { ObjectStoreDriver } from "./blob/drivers/region-stores.js";
import { Secret } from "./blob/drivers/secret.js";

/** The settings a target takes besides its driver's. */
const TARGET_KEYS = ["id", "zone", "class", "driver"];
const DRIVER_KEYS: Record<ObjectStoreDriver["driver"], string[]> = {
  "azure-blob": ["accountUrl", "container", "accountKey", "sas"],
  s3: ["endpoint", "bucket", "region", "accessKeyId", "secretAccessKey", "forcePathStyle"],
};
/** Azure's container names: 3 to 63 lower-case letters, digits and single hyphens. */
const CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** S3's bucket names: 3 to 63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Undefined for a directory of the data dir (no driver, or "fs"); the object store's settings otherwise. */
export function targetDriverOf(where: string, target: Record<string, unknown>): ObjectStoreDriver | undefined {
  const { driver } = target;
  if (driver === undefined || driver === "fs") {
    refuseUnknown(where, target, TARGET_KEYS);
    return undefined;
  }
  if (driver !== "azure-blob" && driver !== "s3") throw new ConfigError(`${where}.driver must be "fs", "azure-blob" or "s3", not ${JSON.stringify(driver)}`);
  refuseUnknown(where, target, [...TARGET_KEYS, ...DRIVER_KEYS[driver]]);
  const text = (key: string) => {
    const value = target[key];
    if (typeof value !== "string" || value === "") throw new ConfigError(`${where}.${key} must be a non-empty string for the ${driver} driver`);
    return value;
  };
  if (driver === "azure-blob") {
    const accountUrl = url(where, "accountUrl", text("accountUrl"));
    const container = text("container");
    if (!CONTAINER.test(container)) throw new ConfigError(`${where}.container must be an Azure container name (3 to 63 lower-case letters, digits and single hyphens), not ${JSON.stringify(container)}`);
    if ((target.accountKey === undefined) === (target.sas === undefined)) throw new ConfigError(`${where} needs exactly one of accountKey and sas for the azure-blob driver`);
    if (target.accountKey !== undefined) return { driver, accountUrl, container, accountKey: new Secret(text("accountKey")) };
    return { driver, accountUrl, container, sas: new Secret(text("sas").replace(/^\?/, "")) };
  }
  const endpoint = url(where, "endpoint", text("endpoint"));
  const bucket = text("bucket");
  if (!BUCKET.test(bucket)) throw new ConfigError(`${where}.bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens), not ${JSON.stringify(bucket)}`);
  const forcePathStyle = target.forcePathStyle ?? true;
  if (typeof forcePathStyle !== "boolean") throw new ConfigError(`${where}.forcePathStyle must be true or false`);
  return { driver, endpoint, bucket, region: text("region"), accessKeyId: text("accessKeyId"), secretAccessKey: new Secret(text("secretAccessKey")), forcePathStyle };
}

/**
 * Refuses two targets on one container or bucket: each target's garbage collection deletes the
 * chunks that its own replicas do not reference, which would take the other target's.
 */
export function refuseSharedPlaces(drivers: Array<{ where: string; driver: ObjectStoreDriver }>): void {
  const seen = new Map<string, string>();
  for (const { where, driver } of drivers) {
    const place = driver.driver === "azure-blob" ? `${driver.accountUrl.replace(/\/+$/, "")}/${driver.container}` : `${driver.endpoint.replace(/\/+$/, "")}/${driver.bucket}`;
    const other = seen.get(place);
    if (other) throw new ConfigError(`${where} and ${other} use the same ${driver.driver === "azure-blob" ? "container" : "bucket"} (${place}): each storage target needs its own`);
    seen.set(place, where);
  }
}

function url(where: string, key: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${where}.${key} must be an http(s) URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new ConfigError(`${where}.${key} must be an http(s) URL, not ${parsed.protocol}`);
  // A query would be a SAS or a signature: credentials go in their own settings, which are never shown.
  if (parsed.search || parsed.username || parsed.password) throw new ConfigError(`${where}.${key} must not carry credentials or a query; give them in their own settings`);
  return value.replace(/\/+$/, "");
}

function refuseUnknown(where: string, target: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(target).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new ConfigError(`${where}: unknown setting(s) ${unknown.join(", ")} for the ${String(target.driver ?? "fs")} driver; known: ${known.join(", ")}`);
}
