// What the `vitrine sig image-version` commands share: the version's ARM paths and flags, az's
// readings of --target-regions, of names given for ids and of three-state flags, and the
// temporary disks that `create --os-vhd` and `download` work through.

import { randomBytes } from "node:crypto";
import { InvalidArgumentError, type Command } from "commander";
import type { VitrineClient } from "../client.js";
import { diskPath, DISKS, withDiskApiVersion } from "./disk-shared.js";
import { addDefinitionOptions, definitionPath, integer, resourceGroupPath, type DefinitionFlags, type Json } from "./sig-shared.js";

export interface VersionFlags extends DefinitionFlags {
  galleryImageVersion: string;
}

export const STORAGE_ACCOUNT_TYPES = ["Standard_LRS", "Standard_ZRS", "Premium_LRS"];

export const ALLOW_DELETION_HELP =
  "whether regions the version was replicated to may be taken out of --target-regions (safetyProfile.allowDeletionOfReplicatedLocations; " +
  "the server's default is false); true when given alone";

export const versionPath = (subscriptionId: string, flags: VersionFlags): string => `${definitionPath(subscriptionId, flags)}/versions/${encodeURIComponent(flags.galleryImageVersion)}`;

export function addVersionOptions(command: Command, versionHelp = "gallery image version, Major.Minor.Patch, e.g. 1.0.0"): Command {
  return addDefinitionOptions(command).requiredOption("-e, --gallery-image-version <version>", versionHelp);
}

/** az's three-state flag: `--flag` alone is true, `--flag false` is false. */
export function threeState(value: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InvalidArgumentError("Allowed values: true, false.");
}

/**
 * az's `--target-regions "<region>[=<replica count>][=<storage account type>]"`; with two parts
 * the second is a count when it is a number, else a storage type. Storage types are taken in any
 * casing (az itself takes only lower case) and sent in the canonical one.
 */
export function targetRegionsOf(values: string[] | undefined): Json[] | undefined {
  return values?.map((value) => {
    const [name, ...rest] = value.split("=");
    if (!name || rest.length > 2) throw new Error(`usage error: ${value} is an invalid target region argument: expected <region>[=<replica count>][=<storage account type>].`);
    const region: Json = { name };
    const count = rest.length === 2 || /^\d+$/.test(rest[0] ?? "") ? rest[0] : undefined;
    const type = rest.length === 2 ? rest[1] : count === undefined ? rest[0] : undefined;
    if (count !== undefined) {
      if (!/^\d+$/.test(count)) throw new Error(`usage error: ${name}'s replica count must be an integer.`);
      region.regionalReplicaCount = integer(count);
    }
    if (type !== undefined) {
      const canonical = STORAGE_ACCOUNT_TYPES.find((known) => known.toLowerCase() === type.toLowerCase());
      if (canonical === undefined) {
        throw new Error(`usage error: ${value} is an invalid target region argument. The storage account type should be one of: ${STORAGE_ACCOUNT_TYPES.join(", ")}.`);
      }
      region.storageAccountType = canonical;
    }
    return region;
  });
}

/** az's reading of a source flag: an id as given, a bare name as that resource in the resource group. */
export function idOrName(value: string, subscriptionId: string, resourceGroup: string, type: string): string {
  if (value.startsWith("/")) return value;
  return `${resourceGroupPath(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/${type}/${encodeURIComponent(value)}`;
}

const TEMPORARY_DISK_PREFIX = "vitrine-tmp-";

/** A name for a disk that lives only while a command runs, recognisable in `vitrine disk list`. */
export function temporaryDiskName(purpose: string): string {
  const name = `${TEMPORARY_DISK_PREFIX}${purpose}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 66);
  return `${name}-${randomBytes(6).toString("hex")}`;
}

/**
 * Deletes temporary disks, reporting each on stderr; one that cannot be deleted is named with the
 * command that deletes it, and does not hide the error that may have led here.
 */
export async function deleteTemporaryDisks(client: VitrineClient, subscriptionId: string, resourceGroup: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      // 204: there was no such disk (its upload failed before creating it).
      const { status } = await client.request("DELETE", withDiskApiVersion(diskPath(subscriptionId, DISKS, { resourceGroup, name })));
      if (status !== 204) process.stderr.write(`Deleted temporary disk '${name}'.\n`);
    } catch (error) {
      process.stderr.write(
        `Warning: temporary disk '${name}' could not be deleted (${error instanceof Error ? error.message : String(error)}); delete it with vitrine disk delete -g ${resourceGroup} -n ${name}.\n`,
      );
    }
  }
}

