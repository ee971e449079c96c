// `vitrine group create|show|list|delete|exists`: resource groups, as `az group` manages them.

import type { Command } from "commander";
import { CliError } from "../client.js";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import { resourceGroupPath, tagsOf } from "./sig-shared.js";

const RESOURCES_API_VERSION = "2021-04-01";
const withVersion = (path: string) => `${path}?api-version=${RESOURCES_API_VERSION}`;

interface GroupFlags extends ServerFlags {
  name: string;
}

export function registerGroupCommands(program: Command): void {
  const group = program.command("group").description("Manage resource groups, like `az group` (prints the server's JSON).");
  const named = (command: Command) => command.requiredOption("-n, --name <name>", "name of the resource group");

  withConnectionOptions(named(group.command("create").description("Create a resource group, or update its tags if it exists.")))
    .requiredOption("-l, --location <location>", "location of the group, e.g. westus")
    .option("--tags <tags...>", "space-separated tags: key[=value]")
    .action(
      serverAction(async (flags: GroupFlags & { location: string; tags?: string[] }) => {
        const { client, subscriptionId } = connect(flags);
        const body = { location: flags.location, tags: tagsOf(flags.tags) ?? {} };
        printJson((await client.request("PUT", withVersion(resourceGroupPath(subscriptionId, flags.name)), body)).body);
      }),
    );

  withConnectionOptions(named(group.command("show").description("Show a resource group; exits 3 when it does not exist."))).action(
    serverAction(
      async (flags: GroupFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("GET", withVersion(resourceGroupPath(subscriptionId, flags.name)))).body);
      },
      { show: true },
    ),
  );

  withConnectionOptions(group.command("list").description("List the resource groups of the subscription.")).action(
    serverAction(async (flags: ServerFlags) => {
      const { client, subscriptionId } = connect(flags);
      printJson(await client.listAll(withVersion(`/subscriptions/${subscriptionId}/resourcegroups`)));
    }),
  );

  withConnectionOptions(named(group.command("exists").description("Print true or false: does the resource group exist?"))).action(
    serverAction(async (flags: GroupFlags) => {
      const { client, subscriptionId } = connect(flags);
      const exists = await client.request("GET", withVersion(resourceGroupPath(subscriptionId, flags.name))).then(
        () => true,
        (error: unknown) => {
          if (error instanceof CliError && error.status === 404) return false;
          throw error;
        },
      );
      printJson(exists);
    }),
  );

  withConnectionOptions(named(group.command("delete").description("Delete a resource group and everything in it.")))
    .option("-y, --yes", "do not prompt for confirmation (accepted for az compatibility; vitrine never prompts)")
    .action(
      serverAction(async (flags: GroupFlags) => {
        const { client, subscriptionId } = connect(flags);
        await client.request("DELETE", withVersion(resourceGroupPath(subscriptionId, flags.name)));
      }),
    );
}
