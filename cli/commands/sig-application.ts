// `vitrine sig gallery-application ...`: VM applications of a gallery. Unlike the other `update`s,
// az updates these with a PATCH of the changed properties only.

import { Option, type Command } from "commander";
import { registerApplicationVersionCommands } from "./sig-application-version.js";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import {
  addGalleryOptions,
  defined,
  endOfLifeDate,
  galleryPath,
  locationOrDefault,
  oneOf,
  tagsOf,
  withApiVersion,
  type GalleryFlags,
} from "./sig-shared.js";

interface ApplicationFlags extends ServerFlags, GalleryFlags {
  name?: string;
  applicationName?: string;
}

interface CreateFlags extends ApplicationFlags {
  osType: string;
  description?: string;
  eula?: string;
  privacyStatementUri?: string;
  releaseNoteUri?: string;
  endOfLifeDate?: string;
  location?: string;
  tags?: string[];
}

interface UpdateFlags extends ApplicationFlags {
  description?: string;
  endOfLifeDate?: string;
  tags?: string[];
}

/** `-n/--name`, or its az alias `--application-name`: commander takes one long name per option. */
function addApplicationOptions(command: Command): Command {
  return withConnectionOptions(addGalleryOptions(command))
    .option("-n, --name <name>", "gallery application name (also --application-name)")
    .addOption(new Option("--application-name <name>").hideHelp());
}

function applicationPath(subscriptionId: string, flags: ApplicationFlags, command: Command): string {
  const name = flags.name ?? flags.applicationName;
  if (name === undefined) command.error("error: required option '-n, --name <name>' not specified");
  return galleryPath(subscriptionId, flags, "applications", name);
}

export function registerApplicationCommands(sig: Command): void {
  const group = sig.command("gallery-application").description("Manage gallery VM applications.");

  const create = addApplicationOptions(group.command("create").description("Create a gallery application; its location defaults to the resource group's."))
    .requiredOption("--os-type <type>", "Windows or Linux: the OS the application runs on", oneOf("Windows", "Linux"))
    .option("--description <text>", "description of the application")
    .option("--eula <text>", "end-user license agreement")
    .option("--privacy-statement-uri <uri>", "privacy statement URI")
    .option("--release-note-uri <uri>", "release note URI")
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them');
  create.action(
    serverAction(async (flags: CreateFlags) => {
      const { client, subscriptionId } = connect(flags);
      const path = applicationPath(subscriptionId, flags, create);
      const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
      const properties = {
        supportedOSType: flags.osType,
        ...defined({
          description: flags.description,
          eula: flags.eula,
          privacyStatementUri: flags.privacyStatementUri,
          releaseNoteUri: flags.releaseNoteUri,
          endOfLifeDate: flags.endOfLifeDate,
        }),
      };
      printJson((await client.request("PUT", withApiVersion(path), { location, tags: tagsOf(flags.tags) ?? {}, properties })).body);
    }),
  );

  const show = addApplicationOptions(group.command("show").description("Show a gallery application; exits 3 when it does not exist."));
  show.action(
    serverAction(
      async (flags: ApplicationFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("GET", withApiVersion(applicationPath(subscriptionId, flags, show)))).body);
      },
      { show: true },
    ),
  );

  withConnectionOptions(addGalleryOptions(group.command("list").description("List the applications of a gallery."))).action(
    serverAction(async (flags: ServerFlags & GalleryFlags) => {
      const { client, subscriptionId } = connect(flags);
      printJson(await client.listAll(withApiVersion(galleryPath(subscriptionId, flags, "applications"))));
    }),
  );

  const update = addApplicationOptions(group.command("update").description("Update a gallery application: sends only the given properties (PATCH)."))
    .option("--description <text>", "new description")
    .option("--end-of-life-date <date>", "new end-of-life date, e.g. 2030-01-01", endOfLifeDate)
    .option("--tags <tags...>", 'space-separated tags: key[=value]; replace the existing ones; "" clears them');
  update.action(
    serverAction(async (flags: UpdateFlags) => {
      const { client, subscriptionId } = connect(flags);
      const path = applicationPath(subscriptionId, flags, update);
      const body = defined({
        tags: tagsOf(flags.tags),
        properties: defined({ description: flags.description, endOfLifeDate: flags.endOfLifeDate }) ?? {},
      });
      printJson((await client.request("PATCH", withApiVersion(path), body)).body);
    }),
  );

  const remove = addApplicationOptions(group.command("delete").description("Delete a gallery application; it must have no versions left."));
  remove.action(
    serverAction(async (flags: ApplicationFlags) => {
      const { client, subscriptionId } = connect(flags);
      await client.request("DELETE", withApiVersion(applicationPath(subscriptionId, flags, remove)));
    }),
  );

  registerApplicationVersionCommands(group);
}
