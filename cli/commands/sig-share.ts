// `vitrine sig share add|remove|reset`, `vitrine sig list-shared` and `vitrine sig shared-with-me`:
// direct sharing of a gallery with subscriptions and tenants (as `az sig share` and
// `az sig list-shared`), and what role assignments share with the caller across tenants.

import type { Command } from "commander";
import { connect, printJson, serverAction, table, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import { addGalleryOptions, galleryPath, oneOf, withApiVersion, type GalleryFlags } from "./sig-shared.js";

interface ShareFlags extends ServerFlags, GalleryFlags {
  subscriptionIds?: string[];
  tenantIds?: string[];
}

const groupsOf = (flags: ShareFlags) => [
  ...(flags.subscriptionIds?.length ? [{ type: "Subscriptions", ids: flags.subscriptionIds }] : []),
  ...(flags.tenantIds?.length ? [{ type: "AADTenants", ids: flags.tenantIds }] : []),
];

export function registerShareCommands(sig: Command): void {
  const share = sig.command("share").description("Share a gallery (created with --permissions Groups) directly with subscriptions and tenants, read-only.");
  for (const [name, operationType, description] of [
    ["add", "Add", "Share the gallery with more subscriptions and tenants (at most 30 subscriptions and 5 tenants)."],
    ["remove", "Remove", "Stop sharing the gallery with some subscriptions and tenants."],
  ] as const) {
    const command = withConnectionOptions(addGalleryOptions(share.command(name).description(description)))
      .option("--subscription-ids <ids...>", "space-separated subscription ids")
      .option("--tenants <ids...>", "space-separated tenant ids");
    command.action(
      serverAction(async (flags: ShareFlags & { tenants?: string[] }) => {
        const groups = groupsOf({ ...flags, tenantIds: flags.tenants });
        if (groups.length === 0) command.error("error: give --subscription-ids and/or --tenants");
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("POST", withApiVersion(galleryPath(subscriptionId, flags, "share")), { operationType, groups })).body);
      }),
    );
  }
  withConnectionOptions(addGalleryOptions(share.command("reset").description("Stop sharing the gallery with every subscription and tenant."))).action(
    serverAction(async (flags: ShareFlags) => {
      const { client, subscriptionId } = connect(flags);
      printJson((await client.request("POST", withApiVersion(galleryPath(subscriptionId, flags, "share")), { operationType: "Reset" })).body);
    }),
  );

  withConnectionOptions(
    sig
      .command("list-shared")
      .description("List the galleries in a location shared directly with the subscription (or, --shared-to tenant, with its tenant).")
      .requiredOption("-l, --location <location>", "location")
      .option("--shared-to <scope>", "tenant: galleries shared with the subscription's tenant", oneOf("tenant")),
  ).action(
    serverAction(async (flags: ServerFlags & { location: string; sharedTo?: string }) => {
      const { client, subscriptionId } = connect(flags);
      const query = flags.sharedTo === undefined ? "" : `&sharedTo=${flags.sharedTo}`;
      const path = `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${encodeURIComponent(flags.location)}/sharedGalleries`;
      printJson(((await client.request("GET", `${withApiVersion(path)}${query}`)).body as { value: unknown[] }).value);
    }),
  );

  withConnectionOptions(
    sig
      .command("shared-with-me")
      .description("List the galleries, image definitions, versions and applications shared with you through role assignments outside your own subscriptions, in any tenant.")
      .option("-o, --output <format>", "table or json", oneOf("table", "json"), "table"),
    false,
  ).action(
    serverAction(async (flags: ServerFlags & { output: string }) => {
      const { client } = connect(flags);
      const entries = ((await client.request("GET", "/providers/Vitrine.Sharing/sharedWithMe?api-version=2026-11-01")).body as { value: Array<Record<string, string | string[]>> }).value;
      if (flags.output === "json") return printJson(entries);
      process.stdout.write(table(["Type", "Name", "Roles", "OwnerTenant", "Id"], entries.map((e) => [String(e.type), String(e.name), ([] as string[]).concat(e.roles ?? []).join(", "), String(e.ownerTenantId), String(e.id)])));
    }),
  );
}
