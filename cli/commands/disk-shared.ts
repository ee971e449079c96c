// What the `vitrine disk` and `vitrine snapshot` commands share: DiskRP's api-version and paths,
// az's reading of `--source`, and the access grants that upload and download work under.

import { InvalidArgumentError, type Command } from "commander";
import { CliError, type VitrineClient } from "../client.js";
import { integer, oneOf, resourceGroupPath, tagsOf, type Json } from "./sig-shared.js";

/** What @azure/arm-compute 24 sends for disks and snapshots (docs/disks.md). */
export const DISK_API_VERSION = "2025-01-02";

/** A disk-like collection: managed disks or snapshots, with the defaults az gives each. */
export interface DiskCollection {
  /** The ARM collection: `disks` or `snapshots`. */
  segment: "disks" | "snapshots";
  noun: "disk" | "snapshot";
  /** az's `--sku` default: Premium_LRS for disks, Standard_LRS for snapshots. */
  defaultSku: string;
}

export const DISKS: DiskCollection = { segment: "disks", noun: "disk", defaultSku: "Premium_LRS" };
export const SNAPSHOTS: DiskCollection = { segment: "snapshots", noun: "snapshot", defaultSku: "Standard_LRS" };

export interface DiskFlags {
  resourceGroup: string;
  name: string;
}

export interface DiskPropertyFlags {
  sku?: string;
  osType?: string;
  hyperVGeneration?: string;
  tags?: string[];
}

const SKUS = ["PremiumV2_LRS", "Premium_LRS", "Premium_ZRS", "StandardSSD_LRS", "StandardSSD_ZRS", "Standard_LRS", "UltraSSD_LRS"];

const segment = encodeURIComponent;

export function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("Must be at least 1.");
  return n;
}

/** The collection of a resource group, or of the subscription when `resourceGroup` is absent. */
export function collectionPath(subscriptionId: string, collection: DiskCollection, resourceGroup?: string): string {
  const scope = resourceGroup === undefined ? `/subscriptions/${segment(subscriptionId)}` : resourceGroupPath(subscriptionId, resourceGroup);
  return `${scope}/providers/Microsoft.Compute/${collection.segment}`;
}

export function diskPath(subscriptionId: string, collection: DiskCollection, flags: DiskFlags, action?: string): string {
  return `${collectionPath(subscriptionId, collection, flags.resourceGroup)}/${segment(flags.name)}${action === undefined ? "" : `/${action}`}`;
}

export const withDiskApiVersion = (path: string): string => `${path}?api-version=${DISK_API_VERSION}`;

export function addDiskOptions(command: Command, collection: DiskCollection): Command {
  return command
    .requiredOption("-g, --resource-group <name>", "name of the resource group")
    .requiredOption("-n, --name <name>", `name of the ${collection.noun}`);
}

/** The descriptive options of `create` (and `disk upload`), as az names them. */
export function addDiskPropertyOptions(command: Command, collection: DiskCollection): Command {
  return command
    .option("--sku <sku>", `storage SKU; allowed: ${SKUS.join(", ")} (default: ${collection.defaultSku})`, oneOf(...SKUS))
    .option("--os-type <type>", "operating system on the disk; allowed: Linux, Windows", oneOf("Linux", "Windows"))
    .option("--hyper-v-generation <generation>", "hypervisor generation (OS disks only); allowed: V1, V2", oneOf("V1", "V2"))
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them');
}

/** The PUT body az sends for a new disk or snapshot. */
export function diskBody(collection: DiskCollection, location: string, creationData: Json, flags: DiskPropertyFlags): Json {
  const properties: Json = { creationData };
  if (flags.osType !== undefined) properties.osType = flags.osType;
  if (flags.hyperVGeneration !== undefined) properties.hyperVGeneration = flags.hyperVGeneration;
  return { location, tags: tagsOf(flags.tags) ?? {}, sku: { name: flags.sku ?? collection.defaultSku }, properties };
}

/**
 * az's `--source`: a URL is imported, an id naming disks or snapshots is copied, and a bare name
 * is looked up in the resource group, as a snapshot first and then as a disk.
 */
export async function creationFromSource(client: VitrineClient, subscriptionId: string, resourceGroup: string, source: string): Promise<Json> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return { createOption: "Import", sourceUri: source };
  if (/\/(disks|snapshots)\//i.test(source)) return { createOption: "Copy", sourceResourceId: source };
  for (const collection of [SNAPSHOTS, DISKS]) {
    const path = withDiskApiVersion(diskPath(subscriptionId, collection, { resourceGroup, name: source }));
    const found = await client.request("GET", path).catch((error: unknown) => {
      if (error instanceof CliError && error.status === 404) return undefined;
      throw error;
    });
    const id = (found?.body as { id?: unknown } | undefined)?.id;
    if (typeof id === "string") return { createOption: "Copy", sourceResourceId: id };
  }
  throw new CliError(404, "ResourceNotFound", `No snapshot or disk named '${source}' in resource group '${resourceGroup}': pass a name in that group, a resource id or a URL.`);
}

/** beginGetAccess: the access URL, from the body as this server answers or from an operation's output as Azure does. */
export async function grantAccess(client: VitrineClient, path: string, access: "Read" | "Write", durationInSeconds: number): Promise<string> {
  const body = (await client.request("POST", withDiskApiVersion(`${path}/beginGetAccess`), { access, durationInSeconds })).body as
    | { accessSAS?: unknown; properties?: { output?: { accessSAS?: unknown } } }
    | undefined;
  const url = body?.accessSAS ?? body?.properties?.output?.accessSAS;
  if (typeof url !== "string") throw new CliError(502, "BadResponse", "beginGetAccess answered without an accessSAS.");
  return url;
}

/** endGetAccess, waited for: after an upload the server ingests the bytes, and its refusal is thrown. */
export async function revokeAccess(client: VitrineClient, path: string): Promise<void> {
  await client.request("POST", withDiskApiVersion(`${path}/endGetAccess`));
}
