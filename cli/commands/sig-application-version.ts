// `vitrine sig gallery-application version ...`: application versions, with az's commands, flags
// and request bodies (`update` is a PUT of the location, the package source and the publishing
// fields, as az sends it). Vitrine's own --package-file and --default-configuration-file upload
// local files through the API (POST .../startPackageUpload, then a PUT of the bytes) and use
// their read URLs as the links; the server fetches them like any other link (docs/applications.md).

import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { VitrineClient } from "../client.js";
import { uploadFile } from "../transfer/package-file.js";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import { threeState } from "./sig-image-version-shared.js";
import { addGalleryOptions, defined, endOfLifeDate, galleryPath, locationOrDefault, tagsOf, withApiVersion, type GalleryFlags, type Json } from "./sig-shared.js";

interface VersionFlags extends ServerFlags, GalleryFlags {
  applicationName: string;
  name: string;
}

interface WriteFlags extends VersionFlags {
  location?: string;
  packageFileLink?: string;
  packageFile?: string;
  defaultFileLink?: string;
  defaultConfigurationFile?: string;
  targetRegions?: Json[];
  excludeFrom?: boolean;
  endOfLifeDate?: string;
  tags?: string[];
  wait: boolean;
}

interface CreateFlags extends WriteFlags {
  installCommand: string;
  removeCommand: string;
  updateCommand?: string;
  packageFileName?: string;
  configFileName?: string;
}

interface ShowFlags extends VersionFlags {
  expand?: string;
}

const applicationPath = (subscriptionId: string, flags: GalleryFlags & { applicationName: string }) => galleryPath(subscriptionId, flags, "applications", flags.applicationName);
const versionPath = (subscriptionId: string, flags: VersionFlags) => `${applicationPath(subscriptionId, flags)}/versions/${encodeURIComponent(flags.name)}`;

/** az's --target-regions for application versions: a JSON list, inline or `@file`. */
function jsonRegions(value: string): Json[] {
  try {
    const parsed = JSON.parse(value.startsWith("@") ? readFileSync(value.slice(1), "utf8") : value) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.some((region) => typeof region !== "object" || region === null || typeof (region as Json).name !== "string")) throw new Error("each target region needs a name");
    return list as Json[];
  } catch (error) {
    throw new InvalidArgumentError(`Expected a JSON list of target regions, e.g. '[{"name":"westus","regionalReplicaCount":1}]', or @file: ${(error as Error).message}.`);
  }
}

function addVersionOptions(command: Command): Command {
  return withConnectionOptions(addGalleryOptions(command))
    .requiredOption("--application-name <name>", "gallery application name")
    .requiredOption("-n, --name <version>", "application version, Major.Minor.Patch (az also calls it --version-name)");
}

function addWriteOptions(command: Command): Command {
  return command
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("--package-file-link <url>", "the package's URL (mediaLink), which the server fetches: an http(s) URL it can read, e.g. a blob's read SAS URL")
    .option("--default-file-link <url>", "the default configuration's URL (defaultConfigurationLink), fetched as the package is")
    .option("--target-regions <json>", 'target regions as az takes them: a JSON list, e.g. \'[{"name":"westus","regionalReplicaCount":1}]\', or @file', jsonRegions)
    .option("--exclude-from [bool]", "leave the version out of 'latest' (true when given alone)", threeState)
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them')
    .addOption(new Option("--no-wait", "do not wait for the package to be fetched; print nothing"));
}

/** A local file uploaded through the API; the read URL that the server then fetches it from. */
async function uploaded(client: VitrineClient, application: string, path: string): Promise<string> {
  const { size } = await stat(path);
  const started = (await client.request("POST", withApiVersion(`${application}/startPackageUpload`), { sizeBytes: size })).body as { uploadUrl: string; mediaLink: string };
  await uploadFile(started.uploadUrl, readFileSync(client.connection.caCertFile), path);
  return started.mediaLink;
}

/** The source from the links or the local files (uploaded first); exactly one form per file. */
async function sourceOf(client: VitrineClient, application: string, flags: WriteFlags, required: boolean): Promise<Json | undefined> {
  if (flags.packageFile !== undefined && flags.packageFileLink !== undefined) throw new Error("usage error: --package-file and --package-file-link name the same thing: pass one.");
  if (flags.defaultConfigurationFile !== undefined && flags.defaultFileLink !== undefined) throw new Error("usage error: --default-configuration-file and --default-file-link name the same thing: pass one.");
  const mediaLink = flags.packageFile !== undefined ? await uploaded(client, application, flags.packageFile) : flags.packageFileLink;
  if (mediaLink === undefined) {
    if (required) throw new Error("usage error: the package is required: pass --package-file-link <url> or --package-file <file>.");
    return undefined;
  }
  const configuration = flags.defaultConfigurationFile !== undefined ? await uploaded(client, application, flags.defaultConfigurationFile) : flags.defaultFileLink;
  return defined({ mediaLink, defaultConfigurationLink: configuration });
}

function publishing(flags: WriteFlags): Json {
  return defined({ targetRegions: flags.targetRegions, excludeFromLatest: flags.excludeFrom, endOfLifeDate: flags.endOfLifeDate }) ?? {};
}

export function registerApplicationVersionCommands(application: Command): void {
  const group = application.command("version").description("Manage gallery application versions: their package, configuration and replication.");

  addWriteOptions(
    addVersionOptions(
      group
        .command("create")
        .summary("Create an application version from a package URL or a local package file.")
        .description(
          "Create an application version, with az's flags. The package (--package-file-link) and the optional default configuration " +
            "(--default-file-link) are fetched by the server from their URLs, stored with a content digest and replicated to the target " +
            "regions. Vitrine also takes local files (--package-file, --default-configuration-file): they are uploaded through the API " +
            "first and fetched from their upload's read URL. Waits until the version is built in its own region (not --no-wait) and prints it.",
        ),
    ),
  )
    .option("--package-file <file>", "a local package file to upload instead of --package-file-link (Vitrine)")
    .option("--default-configuration-file <file>", "a local configuration file to upload instead of --default-file-link (Vitrine)")
    .requiredOption("--install-command <command>", "the path and arguments to install the application (at most 4096 characters)")
    .requiredOption("--remove-command <command>", "the path and arguments to remove the application (at most 4096 characters)")
    .option("--update-command <command>", "the path and arguments to update the application; without it an update removes the previous version and installs this one")
    .option("--package-file-name <name>", "the name of the package file on the host (default: the application's name)")
    .option("--config-file-name <name>", 'the name of the configuration file on the host (default: the application\'s name and "_config")')
    .action(
      serverAction(async (flags: CreateFlags) => {
        const { client, subscriptionId } = connect(flags);
        const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
        const source = await sourceOf(client, applicationPath(subscriptionId, flags), flags, true);
        const publishingProfile = {
          source,
          manageActions: defined({ install: flags.installCommand, remove: flags.removeCommand, update: flags.updateCommand }),
          ...publishing(flags),
          ...defined({ settings: defined({ packageFileName: flags.packageFileName, configFileName: flags.configFileName }) }),
        };
        const body = defined({ location, tags: tagsOf(flags.tags), properties: { publishingProfile } });
        const created = (await client.request("PUT", withApiVersion(versionPath(subscriptionId, flags)), body, { wait: flags.wait })).body;
        if (flags.wait) printJson(created);
      }),
    );

  addVersionOptions(group.command("show").description("Show an application version; exits 3 when it does not exist."))
    .option("--expand <expand>", "expand expression, e.g. ReplicationStatus (adds properties.replicationStatus: the state per target region)")
    .action(
      serverAction(
        async (flags: ShowFlags) => {
          const { client, subscriptionId } = connect(flags);
          const expand = flags.expand === undefined ? "" : `&$expand=${encodeURIComponent(flags.expand)}`;
          printJson((await client.request("GET", `${withApiVersion(versionPath(subscriptionId, flags))}${expand}`)).body);
        },
        { show: true },
      ),
    );

  withConnectionOptions(addGalleryOptions(group.command("list").description("List the versions of a gallery application.")))
    .requiredOption("--application-name <name>", "gallery application name")
    .action(
      serverAction(async (flags: ServerFlags & GalleryFlags & { applicationName: string }) => {
        const { client, subscriptionId } = connect(flags);
        printJson(await client.listAll(withApiVersion(`${applicationPath(subscriptionId, flags)}/versions`)));
      }),
    );

  addWriteOptions(
    addVersionOptions(
      group
        .command("update")
        .summary("Update an application version's target regions, exclude-from-latest and end-of-life date.")
        .description(
          "Update an application version as az does: a PUT of its location, its package source and the publishing fields given " +
            "(the manage actions and settings are kept). The package cannot change: give the version's own link (the default), " +
            "or another one to be refused. Waits until added regions hold their copy and prints the version.",
        ),
    ),
  ).action(
    serverAction(async (flags: WriteFlags) => {
      const { client, subscriptionId } = connect(flags);
      const path = withApiVersion(versionPath(subscriptionId, flags));
      const current = (await client.request("GET", path)).body as { location: string; properties?: { publishingProfile?: { source?: Json } } };
      const given = await sourceOf(client, applicationPath(subscriptionId, flags), flags, false);
      const { mediaLink, defaultConfigurationLink } = current.properties?.publishingProfile?.source ?? {};
      const source = given ?? defined({ mediaLink, defaultConfigurationLink });
      const body = defined({ location: flags.location ?? current.location, tags: tagsOf(flags.tags), properties: { publishingProfile: { source, ...publishing(flags) } } });
      const updated = (await client.request("PUT", path, body, { wait: flags.wait })).body;
      if (flags.wait) printJson(updated);
    }),
  );

  addVersionOptions(group.command("delete").description("Delete an application version, with its replicas in every region."))
    .addOption(new Option("--no-wait", "do not wait for the deletion to end"))
    .action(
      serverAction(async (flags: VersionFlags & { wait: boolean }) => {
        const { client, subscriptionId } = connect(flags);
        await client.request("DELETE", withApiVersion(versionPath(subscriptionId, flags)), undefined, { wait: flags.wait });
      }),
    );
}
