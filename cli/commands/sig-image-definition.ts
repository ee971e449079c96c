// `vitrine sig image-definition ...`: image definitions, with az's flags and defaults
// (Generalized, V1, date-only end-of-life dates at 12:59:59 UTC).

import type { Command } from "commander";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import {
  addDefinitionOptions,
  addGalleryOptions,
  applySets,
  defined,
  definitionPath,
  endOfLifeDate,
  featuresOf,
  galleryPath,
  genericUpdate,
  integer,
  locationOrDefault,
  oneOf,
  propertiesOf,
  tagsOf,
  withApiVersion,
  type DefinitionFlags,
  type GalleryFlags,
  type Json,
} from "./sig-shared.js";

/** The flags `create` and `update` both take: the properties that may change after creation. */
interface MutableFlags {
  description?: string;
  endOfLifeDate?: string;
  releaseNoteUri?: string;
  minimumCpuCore?: number;
  maximumCpuCore?: number;
  minimumMemory?: number;
  maximumMemory?: number;
}

interface CreateFlags extends DefinitionFlags, MutableFlags {
  publisher: string;
  offer: string;
  sku: string;
  osType: string;
  osState: string;
  hyperVGeneration: string;
  features?: string;
  architecture?: string;
  eula?: string;
  privacyStatementUri?: string;
  disallowedDiskTypes?: string[];
  planName?: string;
  planProduct?: string;
  planPublisher?: string;
  location?: string;
  tags?: string[];
}

interface UpdateFlags extends DefinitionFlags, MutableFlags {
  set?: string[];
}

function addMutableOptions(command: Command): Command {
  return command
    .option("--description <text>", "description of the image definition")
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .option("--release-note-uri <uri>", "release note URI")
    .option("--minimum-cpu-core <n>", "minimum recommended CPU cores", integer)
    .option("--maximum-cpu-core <n>", "maximum recommended CPU cores", integer)
    .option("--minimum-memory <gb>", "minimum recommended memory in GB", integer)
    .option("--maximum-memory <gb>", "maximum recommended memory in GB", integer);
}

/** Writes the mutable flags that were given into the definition's properties. */
function applyMutable(properties: Json, flags: MutableFlags): void {
  if (flags.description !== undefined) properties.description = flags.description;
  if (flags.endOfLifeDate !== undefined) properties.endOfLifeDate = flags.endOfLifeDate;
  if (flags.releaseNoteUri !== undefined) properties.releaseNoteUri = flags.releaseNoteUri;
  const recommended = (properties.recommended ?? {}) as Json;
  const range = (name: string, min: number | undefined, max: number | undefined) => {
    if (min === undefined && max === undefined) return;
    recommended[name] = { ...(recommended[name] as Json | undefined), ...defined({ min, max }) };
  };
  range("vCPUs", flags.minimumCpuCore, flags.maximumCpuCore);
  range("memory", flags.minimumMemory, flags.maximumMemory);
  if (Object.keys(recommended).length > 0) properties.recommended = recommended;
}

export function registerImageDefinitionCommands(sig: Command): void {
  const group = sig.command("image-definition").description("Manage gallery image definitions.");

  const create = addDefinitionOptions(group.command("create").description("Create an image definition; (publisher, offer, sku) must be unique in the gallery."))
    .requiredOption("-p, --publisher <name>", "image publisher")
    .requiredOption("-f, --offer <name>", "image offer")
    .requiredOption("-s, --sku <name>", "image SKU")
    .requiredOption("--os-type <type>", "Windows or Linux", oneOf("Windows", "Linux"))
    .option("--os-state <state>", "Generalized or Specialized", oneOf("Generalized", "Specialized"), "Generalized")
    .option("--hyper-v-generation <generation>", "V1 or V2", oneOf("V1", "V2"), "V1")
    .option("--features <features>", 'space-separated Name=Value pairs, e.g. "SecurityType=TrustedLaunch IsAcceleratedNetworkSupported=true"')
    .option("--architecture <architecture>", "x64 or Arm64", oneOf("x64", "Arm64"))
    .option("--eula <text>", "end-user license agreement")
    .option("--privacy-statement-uri <uri>", "privacy statement URI")
    .option("--disallowed-disk-types <types...>", "disk types the image may not be deployed on, e.g. Standard_LRS")
    .option("--plan-name <name>", "purchase plan name")
    .option("--plan-product <product>", "purchase plan product")
    .option("--plan-publisher <publisher>", "purchase plan publisher")
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them');
  addMutableOptions(create).action(
    serverAction(async (flags: CreateFlags) => {
      const { client, subscriptionId } = connect(flags);
      const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
      const properties: Json = {
        osType: flags.osType,
        osState: flags.osState,
        hyperVGeneration: flags.hyperVGeneration,
        identifier: { publisher: flags.publisher, offer: flags.offer, sku: flags.sku },
        ...defined({
          eula: flags.eula,
          privacyStatementUri: flags.privacyStatementUri,
          architecture: flags.architecture,
          features: featuresOf(flags.features),
          disallowed: flags.disallowedDiskTypes && { diskTypes: flags.disallowedDiskTypes },
          purchasePlan: defined({ name: flags.planName, product: flags.planProduct, publisher: flags.planPublisher }),
        }),
      };
      applyMutable(properties, flags);
      const body = { location, tags: tagsOf(flags.tags) ?? {}, properties };
      printJson((await client.request("PUT", withApiVersion(definitionPath(subscriptionId, flags)), body)).body);
    }),
  );

  addDefinitionOptions(group.command("show").description("Show an image definition; exits 3 when it does not exist.")).action(
    serverAction(
      async (flags: DefinitionFlags) => {
        const { client, subscriptionId } = connect(flags);
        printJson((await client.request("GET", withApiVersion(definitionPath(subscriptionId, flags)))).body);
      },
      { show: true },
    ),
  );

  withConnectionOptions(addGalleryOptions(group.command("list").description("List the image definitions of a gallery."))).action(
    serverAction(async (flags: ServerFlags & GalleryFlags) => {
      const { client, subscriptionId } = connect(flags);
      printJson(await client.listAll(withApiVersion(galleryPath(subscriptionId, flags, "images"))));
    }),
  );

  addMutableOptions(addDefinitionOptions(group.command("update").description("Update an image definition: read it, apply the changes, write it back (az's generic update).")))
    .option("--set <path=value...>", "set a property of the shown model, e.g. recommended.vCPUs.max=8 or tags.team=red; values are JSON when they parse")
    .action(
      serverAction(async (flags: UpdateFlags) => {
        const { client, subscriptionId } = connect(flags);
        const updated = await genericUpdate(client, definitionPath(subscriptionId, flags), (definition) => {
          applyMutable(propertiesOf(definition), flags);
          applySets(definition, flags.set);
        });
        printJson(updated);
      }),
    );

  addDefinitionOptions(group.command("delete").description("Delete an image definition; it must have no image versions left.")).action(
    serverAction(async (flags: DefinitionFlags) => {
      const { client, subscriptionId } = connect(flags);
      await client.request("DELETE", withApiVersion(definitionPath(subscriptionId, flags)));
    }),
  );
}
