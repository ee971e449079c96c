// Each region's stores as the configuration places them: storage targets that name an object
// store (an Azure Blob container, an S3 bucket) there, every other store in the data directory.

import type { ChunkStore } from "../../ports/chunk-store.js";
import type { RegionStores } from "../disk-content.js";
import { AzureBlobChunkStore, type AzureBlobSettings } from "./azure-blob-chunk-store.js";
import { S3ChunkStore, type S3Settings } from "./s3-chunk-store.js";

export type ObjectStoreDriver = ({ driver: "azure-blob" } & AzureBlobSettings) | ({ driver: "s3" } & S3Settings);

/** The storage targets on object stores, by region and then target id. */
export type TargetDrivers = Record<string, Record<string, ObjectStoreDriver>>;

export function openObjectStore(driver: ObjectStoreDriver): ChunkStore {
  return driver.driver === "azure-blob" ? new AzureBlobChunkStore(driver) : new S3ChunkStore(driver);
}

export class ConfiguredRegionStores implements RegionStores {
  private readonly opened = new Map<string, ChunkStore>();

  constructor(
    private readonly local: RegionStores,
    private readonly drivers: TargetDrivers,
  ) {}

  storeFor(region: string): ChunkStore {
    return this.local.storeFor(region);
  }

  targetStore(region: string, target: string): ChunkStore {
    const driver = this.drivers[region]?.[target];
    if (!driver) return this.local.targetStore(region, target);
    const key = `${region}/${target}`;
    let store = this.opened.get(key);
    if (!store) this.opened.set(key, (store = openObjectStore(driver)));
    return store;
  }

  /** The data directory's stores, except targets now on an object store, and every object-store target. */
  async stores(): Promise<Array<{ region: string; target?: string }>> {
    const found = (await this.local.stores()).filter(({ region, target }) => target === undefined || !this.drivers[region]?.[target]);
    for (const [region, targets] of Object.entries(this.drivers)) for (const target of Object.keys(targets)) found.push({ region, target });
    return found;
  }
}
