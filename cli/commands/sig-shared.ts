// What the `vitrine sig` commands share: ARM paths, az's argument conventions (tags, dates, enums,
// `--set`), the resource group's location as the default location, and az's generic update.

import { InvalidArgumentError, type Command } from "commander";
import type { VitrineClient } from "../client.js";
import { withConnectionOptions, type ServerFlags } from "./connected-command.js";

export const GALLERY_API_VERSION = "2024-03-03";
const RESOURCE_GROUP_API_VERSION = "2021-04-01";

export type Json = Record<string, unknown>;

export interface GalleryFlags {
  resourceGroup: string;
  galleryName: string;
}

const segment = encodeURIComponent;

export function resourceGroupPath(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${segment(subscriptionId)}/resourceGroups/${segment(resourceGroup)}`;
}

/** The galleries of a resource group, or of the subscription when `resourceGroup` is absent. */
export function galleriesPath(subscriptionId: string, resourceGroup?: string): string {
  const scope = resourceGroup === undefined ? `/subscriptions/${segment(subscriptionId)}` : resourceGroupPath(subscriptionId, resourceGroup);
  return `${scope}/providers/Microsoft.Compute/galleries`;
}

/** A gallery, or a collection or resource below it: galleryPath(s, g, "rg", "images", "img1"). */
export function galleryPath(subscriptionId: string, flags: GalleryFlags, ...below: string[]): string {
  return `${galleriesPath(subscriptionId, flags.resourceGroup)}/${[flags.galleryName, ...below].map(segment).join("/")}`;
}

export const withApiVersion = (path: string): string => `${path}?api-version=${GALLERY_API_VERSION}`;

export function addGalleryOptions(command: Command): Command {
  return command
    .requiredOption("-g, --resource-group <name>", "name of the resource group")
    .requiredOption("-r, --gallery-name <name>", "gallery name");
}

export interface DefinitionFlags extends ServerFlags, GalleryFlags {
  galleryImageDefinition: string;
}

export const definitionPath = (subscriptionId: string, flags: DefinitionFlags): string => galleryPath(subscriptionId, flags, "images", flags.galleryImageDefinition);

export function addDefinitionOptions(command: Command): Command {
  return withConnectionOptions(addGalleryOptions(command)).requiredOption("-i, --gallery-image-definition <name>", "gallery image definition name");
}

/** `--location`, else the resource group's location, as az defaults it. */
export async function locationOrDefault(client: VitrineClient, subscriptionId: string, resourceGroup: string, location: string | undefined): Promise<string> {
  if (location !== undefined) return location;
  const group = (await client.request("GET", `${resourceGroupPath(subscriptionId, resourceGroup)}?api-version=${RESOURCE_GROUP_API_VERSION}`)).body as { location?: unknown };
  if (typeof group?.location !== "string") throw new Error(`Resource group '${resourceGroup}' has no location; pass --location.`);
  return group.location;
}

/** An argument parser for an enum that, like az, takes any casing and sends the canonical one. */
export function oneOf(...values: string[]): (value: string) => string {
  return (value) => {
    const match = values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (match === undefined) throw new InvalidArgumentError(`Allowed values: ${values.join(", ")}.`);
    return match;
  };
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("Not an integer.");
  return n;
}

/** az's date handling: a date alone means 12:59:59 UTC that day; sent as a full ISO timestamp. */
export function endOfLifeDate(value: string): string {
  const date = new Date(value.toLowerCase().includes("t") ? value : `${value}T12:59:59Z`);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("Not a date (use e.g. 2030-01-01 or 2030-01-01T00:00:00Z).");
  return date.toISOString();
}

/** az's `--tags k=v k2=v2`; a lone `--tags ""` clears them. */
export function tagsOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    if (at < 0) tags[pair] = "";
    else tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tags;
}

/** `--features "SecurityType=TrustedLaunch IsAcceleratedNetworkSupported=true"`. */
export function featuresOf(text: string | undefined): { name: string; value: string }[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(/\s+/)
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0) throw new InvalidArgumentError(`Feature '${pair}' is not of the form Name=Value.`);
      return { name: pair.slice(0, at), value: pair.slice(at + 1) };
    });
}

/**
 * az's `--set path=value`, paths relative to the flattened model az shows: `tags.*` and `location`
 * are top-level, anything else lives under `properties`. Values are JSON when they parse as JSON.
 */
export function applySets(resource: Json, assignments: string[] | undefined): void {
  for (const assignment of assignments ?? []) {
    const at = assignment.indexOf("=");
    const path = at < 0 ? "" : assignment.slice(0, at);
    const names = path.split(".");
    if (names.some((name) => name === "")) throw new Error(`--set ${assignment}: expected path=value, e.g. description=text or tags.team=red.`);
    const first = names[0] as string;
    if (first !== "tags" && first !== "location" && first !== "properties") names.unshift("properties");
    let target = resource;
    for (const name of names.slice(0, -1)) {
      const next = target[name];
      if (typeof next !== "object" || next === null || Array.isArray(next)) target[name] = {};
      target = target[name] as Json;
    }
    target[names[names.length - 1] as string] = jsonOrText(assignment.slice(at + 1));
  }
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Properties without the ones a caller left undefined, or undefined if none remain. */
export function defined(properties: Json): Json | undefined {
  const kept = Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * az's generic update: GET the resource, edit it, PUT it back whole. id, name and type are the
 * server's to set, so they stay out of the body. With `wait` false (--no-wait), the PUT's first answer.
 */
export async function genericUpdate(client: VitrineClient, path: string, edit: (resource: Json) => void, options: { wait?: boolean } = {}): Promise<unknown> {
  const url = withApiVersion(path);
  const resource = (await client.request("GET", url)).body as Json;
  edit(resource);
  const { id: _id, name: _name, type: _type, ...body } = resource;
  return (await client.request("PUT", url, body, options)).body;
}

/** The resource's `properties`, created if absent. */
export function propertiesOf(resource: Json): Json {
  if (typeof resource.properties !== "object" || resource.properties === null) resource.properties = {};
  return resource.properties as Json;
}
