// `vitrine app fetch`: the deployment side of VM applications. What a host agent runs to install a
// version: the server names a complete replica in the region (POST .../getDeploymentAccess), the
// package and configuration are downloaded from it, each checked against the content digest the
// version records, and the install, remove and update commands are written beside them.

import { readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "../client.js";
import { downloadFile } from "../transfer/package-file.js";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import { oneOf, withApiVersion } from "./sig-shared.js";

interface FetchFlags extends ServerFlags {
  region: string;
  output: string;
  osType?: string;
}

interface AccessFile {
  url: string;
  fileName: string;
  contentDigest: string;
  sizeBytes: number;
}

interface Access {
  versionId: string;
  version: string;
  region: string;
  package: AccessFile;
  configuration?: AccessFile;
  manageActions?: { install?: string; remove?: string; update?: string };
  [key: string]: unknown;
}

/** The digests the version itself records (docs/applications.md), which the downloads must match. */
interface RecordedSource {
  mediaContentDigest?: string;
  defaultConfigurationContentDigest?: string;
}

const APPLICATION_ID = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/applications\/[^/]+)(?:\/versions\/([^/]+)|\/(latest))?\/?$/i;

/** The application's id and the version asked for ("latest" unless one is named). */
export function parseApplicationReference(reference: string): { application: string; version: string } {
  const match = APPLICATION_ID.exec(reference);
  if (!match?.[1]) throw new Error(`usage error: ${reference} is not an application id, optionally followed by /versions/<version> or /latest.`);
  return { application: match[1], version: match[2] ?? match[3] ?? "latest" };
}

const hostOsType = (): string => (process.platform === "win32" ? "Windows" : "Linux");

export function registerAppCommands(program: Command): void {
  const app = program.command("app").description("Deploy VM applications on a host: fetch a version's package, configuration and commands.");
  withConnectionOptions(
    app
      .command("fetch")
      .summary("Download an application version's package and configuration from a region, checked by their digests.")
      .description(
        "Fetch what a host needs to install an application version: <application id>[/versions/<version>|/latest] (latest when no version is " +
          "named, resolved in the region as for images). The server names a complete replica in --region; the package and the default " +
          "configuration are downloaded from it into --output under the version's file names (settings.packageFileName, configFileName), " +
          "each checked against the content digest the version records (a file that does not match is removed, and the command fails), " +
          "and install-command.txt, remove-command.txt and update-command.txt (when the version has one) are written beside them, with " +
          "application.json describing it all. The application's supported OS type must be the host's (--os-type).",
      )
      .argument("<application>", "application id, e.g. /subscriptions/.../galleries/g/applications/a[/versions/1.0.0|/latest]"),
  )
    .requiredOption("--region <region>", "the region to fetch from: the version must be complete there")
    .requiredOption("-o, --output <dir>", "directory to write the files to (created if missing)")
    .option("--os-type <type>", "the host's OS type, checked against the application's (default: this machine's)", oneOf("Windows", "Linux"))
    .action((reference: string, flags: FetchFlags) => serverAction(fetch)({ ...flags, reference }));
}

async function fetch(flags: FetchFlags & { reference: string }): Promise<void> {
  const { application, version } = parseApplicationReference(flags.reference);
  const { client } = connect(flags);
  const body = { region: flags.region, version, osType: flags.osType ?? hostOsType() };
  const access = (await client.request("POST", withApiVersion(`${application}/getDeploymentAccess`), body)).body as Access;
  const recorded = ((await client.request("GET", withApiVersion(access.versionId))).body as { properties?: { publishingProfile?: { source?: RecordedSource } } }).properties?.publishingProfile?.source ?? {};
  const directory = resolve(flags.output);
  await mkdir(directory, { recursive: true });
  const ca = readFileSync(client.connection.caCertFile);
  const files = [];
  for (const [file, expected] of [
    [access.package, recorded.mediaContentDigest],
    [access.configuration, recorded.defaultConfigurationContentDigest],
  ] as const) {
    if (!file) continue;
    const path = join(directory, file.fileName);
    const partial = `${path}.part`;
    try {
      const got = await downloadFile(file.url, ca, partial);
      if (got.contentDigest !== file.contentDigest || got.contentDigest !== expected) {
        throw new CliError(500, "ContentDigestMismatch", `${file.fileName} downloaded with content digest ${got.contentDigest}, but the version records ${String(expected)}: it was refused.`);
      }
      await rename(partial, path);
      files.push({ fileName: file.fileName, path, sizeBytes: got.sizeBytes, contentDigest: got.contentDigest });
    } finally {
      await rm(partial, { force: true });
    }
  }
  const commands = access.manageActions ?? {};
  for (const action of ["install", "remove", "update"] as const) {
    const command = commands[action];
    if (command !== undefined) await writeFile(join(directory, `${action}-command.txt`), `${command}\n`);
  }
  const { package: _package, configuration: _configuration, expiresAt: _expiresAt, ...description } = access;
  const result = { ...description, directory, files };
  await writeFile(join(directory, "application.json"), `${JSON.stringify(result, null, 2)}\n`);
  printJson(result);
}
