// The data the control-plane benchmark reads (bench/control-bench.ts): one resource group, a
// gallery in westus with a definition of 10,000 image versions ("latest" among them), and a
// gallery in eastus with a definition of 1,000 (the list). The two definitions sit in two regions
// because Azure's quota of image versions, which Vitrine enforces, is 10,000 per subscription and
// region. One real version of each definition is made through the API (an empty managed disk as
// its source, built and replicated by the server); the rest are copies of its stored record,
// renamed, inserted through the MetadataStore port with the same quota guard while the server is
// stopped: 11,000 versions through the API would take longer than the whole benchmark.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openMetadataStore } from "../src/store/open-store.js";
import type { ResourceRecord } from "../src/ports/metadata-store.js";
import type { BenchServer } from "./disk-server.js";

export const GALLERY_API = "2024-03-03";
const GROUP = "control";
const VERSIONS_TYPE = "Microsoft.Compute/galleries/images/versions";
/** Azure's limit of image versions per subscription and region (src/core/limits.ts). */
const VERSION_QUOTA = 10_000;
/** Inserts in flight while seeding: PostgreSQL takes them on several connections. */
const SEED_CONCURRENCY = 16;

export interface Definition {
  /** ARM path of the definition under the endpoint, without api-version. */
  path: string;
  location: string;
  versions: number;
}

export const LATEST_DEFINITION: Definition = { path: `/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/bench/images/latest10k`, location: "westus", versions: 10_000 };
export const LIST_DEFINITION: Definition = { path: `/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/benchEast/images/list1k`, location: "eastus", versions: 1_000 };

/** The i-th version's name: 1.0.0 (the one made through the API) for 0, up to 1.9.999; distinct for i < 10,000. */
export const versionName = (i: number): string => `1.${Math.floor(i / 1000)}.${i % 1000}`;

/** Makes the resource group, galleries, definitions and the first version of each through the API. */
export async function seedThroughApi(server: BenchServer): Promise<void> {
  await server.createResourceGroup(GROUP);
  for (const definition of [LATEST_DEFINITION, LIST_DEFINITION]) {
    const gallery = definition.path.replace(/\/images\/[^/]+$/, "");
    const put = async (path: string, body: unknown, api = GALLERY_API) => server.waitFor(await server.arm("PUT", server.path(`${path}?api-version=${api}`), body));
    await put(gallery, { location: definition.location, properties: {} });
    await put(definition.path, {
      location: definition.location,
      properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "vitrine", offer: "control", sku: definition.path.split("/").pop() } },
    });
    const disk = `seed-${definition.location}`;
    await server.waitFor(await server.arm("PUT", server.diskPath(GROUP, disk), { location: definition.location, properties: { creationData: { createOption: "Empty" }, diskSizeGB: 1 } }));
    await put(`${definition.path}/versions/${versionName(0)}`, {
      location: definition.location,
      properties: { storageProfile: { osDiskImage: { source: { id: server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Compute/disks/${disk}`) } } } },
    });
  }
}

/**
 * Fills each definition up to its count with copies of its first version, through the store at
 * `databaseUrl` (the server must be stopped: SQLite has one writer). Returns the time it took.
 */
export async function seedThroughStore(databaseUrl: string, subscriptionId: string): Promise<number> {
  const start = Date.now();
  const store = await openMetadataStore(databaseUrl);
  try {
    for (const definition of [LATEST_DEFINITION, LIST_DEFINITION]) {
      const firstId = `/subscriptions/${subscriptionId}${definition.path}/versions/${versionName(0)}`;
      const first = await store.getResource(firstId.toLowerCase());
      if (!first) throw new Error(`${firstId} is not in the store`);
      let next = 1;
      const insert = async () => {
        for (let i = next++; i < definition.versions; i = next++) {
          const result = await store.createResource(renamed(first, versionName(i)), { type: VERSIONS_TYPE, limit: VERSION_QUOTA });
          if (result.kind !== "created") throw new Error(`seeding version ${versionName(i)}: ${result.kind}`);
        }
      };
      await Promise.all(Array.from({ length: SEED_CONCURRENCY }, insert));
    }
  } finally {
    await store.close();
  }
  return Date.now() - start;
}

/** A copy of a version's record under another name, its served body renamed too. */
function renamed(record: ResourceRecord, name: string): ResourceRecord {
  const id = record.id.replace(/[^/]+$/, name);
  const body = JSON.parse(JSON.stringify(record.body).replaceAll(record.id, id)) as Record<string, unknown>;
  if (body.name === record.name) body.name = name;
  return { ...record, id, key: id.toLowerCase(), name, body, internal: record.internal };
}

/** Lets a restarted server in `dataDir` announce itself afresh (BenchServer waits for connection.json). */
export const forgetConnection = (dataDir: string): Promise<void> => rm(join(dataDir, "connection.json"), { force: true });
