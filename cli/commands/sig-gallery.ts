// `vitrine sig create|show|list|update|delete`: galleries, as `az sig` manages them.

import type { Command } from "commander";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import {
  addGalleryOptions,
  applySets,
  galleriesPath,
  galleryPath,
  genericUpdate,
  locationOrDefault,
  oneOf,
  propertiesOf,
  tagsOf,
  withApiVersion,
  type GalleryFlags,
} from "./sig-shared.js";

interface CreateFlags extends ServerFlags, GalleryFlags {
  location?: string;
  description?: string;
  permissions?: string;
  tags?: string[];
}

interface UpdateFlags extends ServerFlags, GalleryFlags {
  description?: string;
  set?: string[];
}

export function registerGalleryCommands(sig: Command): void {
  withConnectionOptions(addGalleryOptions(sig.command("create").description("Create a gallery; its location defaults to the resource group's.")))
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("--description <text>", "description of the gallery")
    .option("--permissions <permissions>", "Private (default) or Groups: Groups lets `sig share` share it with subscriptions and tenants; fixed at creation", oneOf("Private", "Groups"))
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them')
    .action(
      serverAction(async (flags: CreateFlags) => {
        const { client, subscriptionId } = connect(flags);
        const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
        const properties = {
          ...(flags.description !== undefined && { description: flags.description }),
          ...(flags.permissions !== undefined && { sharingProfile: { permissions: flags.permissions } }),
        };
        const body = { location, tags: tagsOf(flags.tags) ?? {}, properties };
        printJson((await client.request("PUT", withApiVersion(galleryPath(subscriptionId, flags)), body)).body);
      }),
    );

  withConnectionOptions(addGalleryOptions(sig.command("show").description("Show a gallery; exits 3 when it does not exist."))).action(
    serverAction(
      async (flags: ServerFlags & GalleryFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("GET", withApiVersion(galleryPath(subscriptionId, flags)))).body);
      },
      { show: true },
    ),
  );

  withConnectionOptions(sig.command("list").description("List the galleries of a resource group, or of the whole subscription without -g."))
    .option("-g, --resource-group <name>", "name of the resource group (default: every group of the subscription)")
    .action(
      serverAction(async (flags: ServerFlags & { resourceGroup?: string }) => {
        const { client, subscriptionId } = connect(flags);
        printJson(await client.listAll(withApiVersion(galleriesPath(subscriptionId, flags.resourceGroup))));
      }),
    );

  withConnectionOptions(addGalleryOptions(sig.command("update").description("Update a gallery: read it, apply the changes, write it back (az's generic update).")))
    .option("--description <text>", "new description")
    .option("--set <path=value...>", "set a property of the shown model, e.g. description=text or tags.team=red; values are JSON when they parse")
    .action(
      serverAction(async (flags: UpdateFlags) => {
        const { client, subscriptionId } = connect(flags);
        const updated = await genericUpdate(client, galleryPath(subscriptionId, flags), (gallery) => {
          if (flags.description !== undefined) propertiesOf(gallery).description = flags.description;
          applySets(gallery, flags.set);
        });
        printJson(updated);
      }),
    );

  withConnectionOptions(addGalleryOptions(sig.command("delete").description("Delete a gallery; it must have no image definitions or applications left."))).action(
    serverAction(async (flags: ServerFlags & GalleryFlags) => {
      const { client, subscriptionId } = connect(flags);
      await client.request("DELETE", withApiVersion(galleryPath(subscriptionId, flags)));
    }),
  );
}
