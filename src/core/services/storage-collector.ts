// Frees the chunks nothing uses any more. The live manifests of each region are those of every
// disk, snapshot, managed image and image version (what each kind's service says it references),
// and everything else in a region's store older than the grace period is deleted. A run waits
// while this server has work in progress (an ingest or copy writes chunks before the manifest
// that references them), and the grace period protects what another server may be writing.

import type { Clock } from "../../ports/clock.js";
import type { DiskContent, StoredManifest } from "../../ports/disk-content.js";
import type { ResourceRecord } from "../../ports/metadata-store.js";

/** A kind whose records reference stored manifests. */
export interface ManifestHolder {
  type: string;
  /** The manifests `record` references, with where they are; only those already stored there. */
  manifestsOf(record: ResourceRecord): StoredManifest[];
}

export interface StorageCollectorDeps {
  content: DiskContent;
  holders: readonly ManifestHolder[];
  /** Every record of a type, across subscriptions. */
  recordsOf(type: string): AsyncIterable<ResourceRecord>;
  /** Whether this server runs background work that may be writing chunks. */
  busy(): boolean;
  clock: Clock;
  graceMs: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** How long after a delete a collection starts: deletes in a row make one run. */
const DELAY_AFTER_DELETE_MS = 200;

export class StorageCollector {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: StorageCollectorDeps) {}

  /** One collection over every store of every region. */
  async run(): Promise<{ deleted: number; bytesFreed: number }> {
    const live: StoredManifest[] = [];
    for (const holder of this.deps.holders) {
      for await (const record of this.deps.recordsOf(holder.type)) live.push(...holder.manifestsOf(record));
    }
    const total = await this.deps.content.collectGarbage(live, { graceMs: this.deps.graceMs, now: this.deps.clock.now() });
    if (total.deleted > 0) this.deps.log?.("unreferenced chunks deleted", total);
    return total;
  }

  /** Runs a collection soon, once this server's background work is done. */
  schedule(delayMs = DELAY_AFTER_DELETE_MS): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.deps.busy() || this.running) return this.schedule(delayMs);
      this.running = this.run()
        .then(
          () => undefined,
          (error: unknown) => this.deps.log?.("garbage collection failed", { error: String(error) }),
        )
        .finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  /** Stops scheduled runs and waits for one in progress (shutdown). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
