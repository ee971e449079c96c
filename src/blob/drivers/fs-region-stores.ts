// Each region's stores in the data directory: regions/<region>/ is the region's home store
// (ingests, disks, snapshots, managed images) and regions/<region>/targets/<target>/ one store per
// storage target, where the replicas of image versions live.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ChunkStore } from "../../ports/chunk-store.js";
import type { RegionStores } from "../disk-content.js";
import { PackChunkStore } from "./pack-chunk-store.js";

/** Region names and target ids become directory names: nothing that could leave the directory. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class FsRegionStores implements RegionStores {
  private readonly opened = new Map<string, PackChunkStore>();

  constructor(private readonly root: string) {}

  storeFor(region: string): ChunkStore {
    return this.open(checked(region));
  }

  targetStore(region: string, target: string): ChunkStore {
    return this.open(join(checked(region), "targets", checked(target)));
  }

  async stores(): Promise<Array<{ region: string; target?: string }>> {
    const found: Array<{ region: string; target?: string }> = [];
    for (const region of await directories(this.root)) {
      found.push({ region });
      for (const target of await directories(join(this.root, region, "targets"))) found.push({ region, target });
    }
    return found;
  }

  private open(relative: string): PackChunkStore {
    let store = this.opened.get(relative);
    if (!store) this.opened.set(relative, (store = new PackChunkStore(join(this.root, relative))));
    return store;
  }
}

function checked(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`not a region or storage target name: ${JSON.stringify(name)}`);
  return name;
}

async function directories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && NAME.test(entry.name)).map((entry) => entry.name).sort();
}
