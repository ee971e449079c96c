// Configuration, validated once at start. Sources, lowest to highest precedence: the defaults
// below, a JSON config file (--config or VITRINE_CONFIG), environment variables, command-line
// flags. docs/configuration.md documents every setting.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_LIMITS, type Limits } from "./core/limits.js";
import { findRegion } from "./core/regions.js";
import type { RegionStorage } from "./core/replication-plan.js";
import { DEFAULT_PRICES, type PriceTable } from "./core/billing.js";
import type { ObjectStoreDriver, TargetDrivers } from "./blob/drivers/region-stores.js";
import { refuseSharedPlaces, targetDriverOf } from "./config-storage.js";

export interface Config {
  /** Where the database, certificates and connection.json live. */
  dataDir: string;
  host: string;
  port: number;
  /** The URL clients use; unset = https://<host>:<port> of the listening socket (localhost when on all interfaces). */
  publicUrl?: string;
  /** `sqlite:<file>` (default: <dataDir>/metadata.db) or `postgres://...`. */
  databaseUrl: string;
  limits: Limits;
  /** Items per page of list responses before a nextLink. */
  pageSize: number;
  /** Unreferenced chunks younger than this are kept (storage-collector.ts). */
  gcGraceSeconds: number;
  /** How often unreferenced chunks are collected besides after deletes. */
  gcIntervalSeconds: number;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** The storage of the regions configured explicitly, by region name; others get defaultRegionStorage. */
  regionStorage: Record<string, RegionStorage>;
  /** The storage targets whose `driver` is an object store (config-storage.ts); the others are directories of dataDir. */
  targetDrivers: TargetDrivers;
  /** A simulated link speed for copies between regions, MiB/s; 0: as fast as the disks go. */
  simulatedInterRegionMiBps: number;
  /** The price table of the cost report. */
  prices: PriceTable;
  /** What this process does: `api` serves requests, `worker` runs background work (copies to regions), `all` both. */
  role: Role;
  /** This process's name on the leases it holds; stable across restarts (default: host name + data dir). */
  workerId: string;
  /** How long a lease on background work lasts unrenewed: how soon a worker takes over the work of one that died. */
  leaseSeconds: number;
  /** How often a worker looks for background work no live process holds. */
  workerPollSeconds: number;
  /** Bearer token /metrics asks for; unset: /metrics is open (keep the port off the internet). */
  metricsToken?: string;
}

export const ROLES = ["api", "worker", "all"] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_PORT = 8443;

/** Settings as they arrive from a file, the environment or flags: all optional. */
export interface ConfigInput {
  dataDir?: string;
  host?: string;
  port?: number | string;
  publicUrl?: string;
  databaseUrl?: string;
  limits?: Partial<Record<keyof Limits, number | string>>;
  pageSize?: number | string;
  gcGraceSeconds?: number | string;
  gcIntervalSeconds?: number | string;
  maxBodyBytes?: number | string;
  logLevel?: string;
  simulatedInterRegionMiBps?: number | string;
  role?: string;
  workerId?: string;
  leaseSeconds?: number | string;
  workerPollSeconds?: number | string;
  metricsToken?: string;
  /** Config file only: `{ "currency", "storagePerGiBMonth": { "Standard_LRS", ... }, "egressPerGiB" }`, merged over the defaults. */
  prices?: { currency?: unknown; storagePerGiBMonth?: Record<string, unknown>; egressPerGiB?: unknown };
  /** Config file only: `{ "<region>": { "targets": [{ "id", "zone", "class", "driver"?, ...its settings }] } }`. */
  regionStorage?: Record<string, { targets?: unknown }>;
}

const ENVIRONMENT: Record<string, keyof ConfigInput> = {
  VITRINE_DATA_DIR: "dataDir",
  VITRINE_HOST: "host",
  VITRINE_PORT: "port",
  VITRINE_PUBLIC_URL: "publicUrl",
  VITRINE_DATABASE_URL: "databaseUrl",
  VITRINE_PAGE_SIZE: "pageSize",
  VITRINE_GC_GRACE_SECONDS: "gcGraceSeconds",
  VITRINE_GC_INTERVAL_SECONDS: "gcIntervalSeconds",
  VITRINE_MAX_BODY_BYTES: "maxBodyBytes",
  VITRINE_LOG_LEVEL: "logLevel",
  VITRINE_SIMULATED_INTER_REGION_MIBPS: "simulatedInterRegionMiBps",
  VITRINE_ROLE: "role",
  VITRINE_WORKER_ID: "workerId",
  VITRINE_LEASE_SECONDS: "leaseSeconds",
  VITRINE_WORKER_POLL_SECONDS: "workerPollSeconds",
  VITRINE_METRICS_TOKEN: "metricsToken",
};

const LIMIT_ENVIRONMENT: Record<string, keyof Limits> = {
  VITRINE_LIMIT_GALLERIES: "galleries",
  VITRINE_LIMIT_GALLERY_IMAGES: "galleryImages",
  VITRINE_LIMIT_GALLERY_IMAGE_VERSIONS: "galleryImageVersions",
  VITRINE_LIMIT_GALLERY_APPLICATIONS: "galleryApplications",
  VITRINE_LIMIT_GALLERY_APPLICATION_VERSIONS: "galleryApplicationVersions",
  VITRINE_LIMIT_APPLICATION_PACKAGE_MIB: "applicationPackageMiB",
  VITRINE_LIMIT_IMAGE_DISK_GIB: "imageDiskGiB",
};

export class ConfigError extends Error {}

export function configFromEnvironment(env: NodeJS.ProcessEnv): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENVIRONMENT)) if (env[name] !== undefined) input[key] = env[name];
  const limits: Record<string, string> = {};
  for (const [name, key] of Object.entries(LIMIT_ENVIRONMENT)) if (env[name] !== undefined) limits[key] = env[name] as string;
  if (Object.keys(limits).length > 0) input.limits = limits;
  return input as ConfigInput;
}

export function readConfigFile(path: string): ConfigInput {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ConfigInput;
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Merges the sources (later wins) and validates the result. */
export function resolveConfig(...sources: ConfigInput[]): Config {
  const merged: ConfigInput = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (key === "limits") merged.limits = { ...merged.limits, ...(value as ConfigInput["limits"]) };
      else (merged as Record<string, unknown>)[key] = value;
    }
  }
  const dataDir = resolve(merged.dataDir ?? ".vitrine");
  const host = merged.host ?? "127.0.0.1";
  const port = integer("port", merged.port ?? DEFAULT_PORT, 0, 65535);
  const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
  const logLevel = (merged.logLevel ?? "info") as Config["logLevel"];
  if (!logLevels.includes(logLevel)) throw new ConfigError(`logLevel must be one of ${logLevels.join(", ")}`);
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(merged.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw new ConfigError(`Unknown limit '${key}'; known: ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    limits[key as keyof Limits] = integer(`limits.${key}`, value as number | string, 0, 1_000_000_000);
  }
  const storage = regionStorageOf(merged.regionStorage ?? {});
  const role = (merged.role ?? "all") as Role;
  if (!ROLES.includes(role)) throw new ConfigError(`role must be one of ${ROLES.join(", ")}`);
  const leaseSeconds = integer("leaseSeconds", merged.leaseSeconds ?? 30, 1, 3600);
  return {
    dataDir,
    host,
    port,
    publicUrl: merged.publicUrl?.replace(/\/+$/, ""),
    databaseUrl: merged.databaseUrl ?? `sqlite:${resolve(dataDir, "metadata.db")}`,
    limits,
    pageSize: integer("pageSize", merged.pageSize ?? 100, 1, 1000),
    gcGraceSeconds: integer("gcGraceSeconds", merged.gcGraceSeconds ?? 3600, 0, 365 * 86400),
    gcIntervalSeconds: integer("gcIntervalSeconds", merged.gcIntervalSeconds ?? 3600, 1, 365 * 86400),
    maxBodyBytes: integer("maxBodyBytes", merged.maxBodyBytes ?? 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel,
    regionStorage: storage.regions,
    targetDrivers: storage.drivers,
    simulatedInterRegionMiBps: integer("simulatedInterRegionMiBps", merged.simulatedInterRegionMiBps ?? 0, 0, 1_000_000),
    prices: pricesOf(merged.prices ?? {}),
    role,
    workerId: merged.workerId ?? `${hostname()}:${dataDir}`,
    leaseSeconds,
    // A poll more often than leases expire finds nothing new; one far rarer delays take-overs.
    workerPollSeconds: integer("workerPollSeconds", merged.workerPollSeconds ?? 5, 1, leaseSeconds),
    ...(merged.metricsToken && { metricsToken: merged.metricsToken }),
  };
}

/** The price table: the defaults, with what the configuration sets instead. */
function pricesOf(input: NonNullable<ConfigInput["prices"]>): PriceTable {
  const price = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new ConfigError(`prices.${name} must be a number of at least 0, not ${JSON.stringify(value)}`);
    return value;
  };
  const storage = { ...DEFAULT_PRICES.storagePerGiBMonth };
  for (const [type, value] of Object.entries(input.storagePerGiBMonth ?? {})) {
    if (!(type in storage)) throw new ConfigError(`prices.storagePerGiBMonth.${type}: the storage types are ${Object.keys(storage).join(", ")}`);
    storage[type as keyof typeof storage] = price(`storagePerGiBMonth.${type}`, value, 0);
  }
  if (input.currency !== undefined && (typeof input.currency !== "string" || !/^[A-Z]{3}$/.test(input.currency))) throw new ConfigError(`prices.currency must be a three-letter code such as "EUR"`);
  return { currency: (input.currency as string | undefined) ?? DEFAULT_PRICES.currency, storagePerGiBMonth: storage, egressPerGiB: price("egressPerGiB", input.egressPerGiB, DEFAULT_PRICES.egressPerGiB) };
}

/** Validates `regionStorage`: known regions, each with targets of a unique id, a zone from 1 to 3, a class and a driver. */
function regionStorageOf(input: NonNullable<ConfigInput["regionStorage"]>): { regions: Record<string, RegionStorage>; drivers: TargetDrivers } {
  const out: Record<string, RegionStorage> = {};
  const drivers: TargetDrivers = {};
  const placed: Array<{ where: string; driver: ObjectStoreDriver }> = [];
  for (const [name, value] of Object.entries(input)) {
    const region = findRegion(name)?.name;
    if (!region) throw new ConfigError(`regionStorage: '${name}' is not a region (see vitrine's regions: az account list-locations names)`);
    const targets = value?.targets;
    if (!Array.isArray(targets) || targets.length === 0) throw new ConfigError(`regionStorage.${name}.targets must be a non-empty array of {id, zone, class}`);
    const ids = new Set<string>();
    out[region] = {
      region,
      targets: targets.map((target: unknown, i) => {
        const { id, zone, class: storageClass } = (target ?? {}) as { id?: unknown; zone?: unknown; class?: unknown };
        const where = `regionStorage.${name}.targets[${i}]`;
        if (typeof id !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw new ConfigError(`${where}.id must be lower-case letters, digits and hyphens, not ${JSON.stringify(id)}`);
        if (ids.has(id)) throw new ConfigError(`${where}.id '${id}' is used twice in the region`);
        ids.add(id);
        if (zone !== 1 && zone !== 2 && zone !== 3) throw new ConfigError(`${where}.zone must be 1, 2 or 3, not ${JSON.stringify(zone)}`);
        if (storageClass !== "standard" && storageClass !== "premium") throw new ConfigError(`${where}.class must be "standard" or "premium", not ${JSON.stringify(storageClass)}`);
        const driver = targetDriverOf(where, target as Record<string, unknown>);
        if (driver) {
          (drivers[region] ??= {})[id] = driver;
          placed.push({ where, driver });
        }
        return { id, zone, storageClass };
      }),
    };
  }
  refuseSharedPlaces(placed);
  return { regions: out, drivers };
}

/** The URL clients reach a server on, listening on `host` and `port`. */
export function publicUrlFor(config: Config, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const { host } = config;
  const publicHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `https://${publicHost}:${port}`;
}

function integer(name: string, value: number | string, min: number, max: number): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not '${value}'`);
  return n;
}
