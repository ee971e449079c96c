// `vitrine disk|snapshot create|show|list|delete|grant-access|revoke-access`: managed disks and
// snapshots as `az disk` and `az snapshot` manage them, with the same flags and JSON output.

import type { Command } from "commander";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import {
  addDiskOptions,
  addDiskPropertyOptions,
  diskBody,
  positive,
  type DiskPropertyFlags,
  collectionPath,
  creationFromSource,
  diskPath,
  grantAccess,
  revokeAccess,
  withDiskApiVersion,
  type DiskCollection,
  type DiskFlags,
} from "./disk-shared.js";
import { locationOrDefault, oneOf, type Json } from "./sig-shared.js";

interface CreateFlags extends ServerFlags, DiskFlags, DiskPropertyFlags {
  location?: string;
  sizeGb?: number;
  uploadType?: string;
  uploadSizeBytes?: number;
  source?: string;
}

interface GrantFlags extends ServerFlags, DiskFlags {
  accessLevel: "Read" | "Write";
  durationInSeconds: number;
}

/** The `creationData` az would send for these flags, or az's usage error. */
async function creationData(flags: CreateFlags, collection: DiskCollection, connected: ReturnType<typeof connect>): Promise<Json> {
  if (flags.uploadSizeBytes !== undefined && flags.uploadType === undefined) {
    throw new Error("usage error: --upload-size-bytes should be used together with --upload-type");
  }
  if (flags.source !== undefined) {
    if (flags.uploadType !== undefined) throw new Error("usage error: --source and --upload-type are alternatives: pass one of them");
    return creationFromSource(connected.client, connected.subscriptionId, flags.resourceGroup, flags.source);
  }
  if (flags.uploadType !== undefined) {
    if (flags.uploadSizeBytes === undefined) throw new Error("usage error: --upload-size-bytes is required to create a disk for upload");
    return { createOption: "Upload", uploadSizeBytes: flags.uploadSizeBytes };
  }
  if (flags.sizeGb === undefined) throw new Error(`usage error: --size-gb is required to create an empty ${collection.noun}`);
  return { createOption: "Empty" };
}

export function registerDiskResourceCommands(group: Command, collection: DiskCollection): void {
  const { noun } = collection;
  const create = withConnectionOptions(
    addDiskOptions(
      group
        .command("create")
        .summary(`Create a ${noun}: empty, for a direct upload, or from a source.`)
        .description(
          `Create a ${noun}: empty (--size-gb), ready for a direct upload (--upload-type Upload --upload-size-bytes), ` +
            "or from a source (--source: a snapshot or disk name or id, copied at once, or a URL the server imports).",
        ),
      collection,
    ),
  )
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("-z, --size-gb <gb>", `size in GiB: required for an empty ${noun}; with --source, at least the source's size`, positive);
  if (collection.segment === "disks") {
    create
      .option("--upload-type <type>", "create the disk for a direct upload (see `vitrine disk upload`); allowed: Upload", oneOf("Upload"))
      .option("--upload-size-bytes <bytes>", "with --upload-type: the size of the fixed VHD to upload, its 512-byte footer included (20972032 to 35183298347520, the disk a whole number of MiB)", positive);
  }
  create.option("--source <source>", "source: a snapshot or disk name (looked up in the resource group, snapshots first) or id, or an http(s) URL of an image to import");
  addDiskPropertyOptions(create, collection).action(
      serverAction(async (flags: CreateFlags) => {
        const connected = connect(flags);
        const { client, subscriptionId } = connected;
        const creation = await creationData(flags, collection, connected);
        const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
        const body = diskBody(collection, location, creation, flags);
        if (flags.sizeGb !== undefined) (body.properties as Json).diskSizeGB = flags.sizeGb;
        printJson((await client.request("PUT", withDiskApiVersion(diskPath(subscriptionId, collection, flags)), body)).body);
      }),
    );

  withConnectionOptions(addDiskOptions(group.command("show").description(`Show a ${noun}; exits 3 when it does not exist.`), collection)).action(
    serverAction(
      async (flags: ServerFlags & DiskFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("GET", withDiskApiVersion(diskPath(subscriptionId, collection, flags)))).body);
      },
      { show: true },
    ),
  );

  withConnectionOptions(group.command("list").description(`List the ${collection.segment} of a resource group, or of the whole subscription without -g.`))
    .option("-g, --resource-group <name>", "name of the resource group (default: every group of the subscription)")
    .action(
      serverAction(async (flags: ServerFlags & { resourceGroup?: string }) => {
        const { client, subscriptionId } = connect(flags);
        printJson(await client.listAll(withDiskApiVersion(collectionPath(subscriptionId, collection, flags.resourceGroup))));
      }),
    );

  withConnectionOptions(addDiskOptions(group.command("delete").description(`Delete a ${noun}; refused while an access URL is live (revoke-access first).`), collection))
    .option("-y, --yes", "do not prompt for confirmation (accepted for az compatibility; vitrine never prompts)")
    .action(
      serverAction(async (flags: ServerFlags & DiskFlags) => {
        const { client, subscriptionId } = connect(flags);
        await client.request("DELETE", withDiskApiVersion(diskPath(subscriptionId, collection, flags)));
      }),
    );

  withConnectionOptions(
    addDiskOptions(
      group
        .command("grant-access")
        .summary(`Grant a read or write access URL to the ${noun}'s bytes; prints {"accessSas": URL}.`)
        .description(`Grant an access URL to the ${noun}'s bytes: Read serves it as a fixed VHD, Write takes page writes of a direct upload. Prints {"accessSas": URL}.`),
      collection,
    ),
  )
    .requiredOption("--duration-in-seconds <seconds>", "how long the URL works, at most 604800 (7 days)", positive)
    .option("--access-level <level>", "access; allowed: Read, Write", oneOf("Read", "Write"), "Read")
    .action(
      serverAction(async (flags: GrantFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson({ accessSas: await grantAccess(client, diskPath(subscriptionId, collection, flags), flags.accessLevel, flags.durationInSeconds) });
      }),
    );

  withConnectionOptions(
    addDiskOptions(
      group
        .command("revoke-access")
        .summary(`Revoke the ${noun}'s access URL (ending a direct upload, which the server then ingests).`)
        .description(`Revoke the ${noun}'s access URL. After a direct upload this waits while the server ingests the bytes, and fails with its reason if it refuses them.`),
      collection,
    ),
  ).action(
    serverAction(async (flags: ServerFlags & DiskFlags) => {
      const { client, subscriptionId } = connect(flags);
      await revokeAccess(client, diskPath(subscriptionId, collection, flags));
    }),
  );
}
