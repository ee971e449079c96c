// Leases on background work, kept in the metadata store: what lets any number of processes sharing
// one database run each operation and each replica copy once, and take over the work of a process
// that died once its lease has expired (a lease is renewed while its work runs, so only a holder
// that stopped renewing loses it).

import type { Clock } from "../../ports/clock.js";
import type { MetadataStore } from "../../ports/metadata-store.js";

export interface LeaseDeps {
  store: MetadataStore;
  clock: Clock;
  /** This process's worker id: stable across its restarts, so that a restarted process takes its own leases back at once. */
  owner: string;
  /** How long a lease lasts unrenewed: how soon another process takes over the work of one that died. */
  ttlMs: number;
  /** A renewal found the lease taken (the process stalled past its term): someone else may be doing the work too. */
  onLost?: (name: string) => void;
}

export type Held<T> = { held: true; value: T } | { held: false };

export class Leases {
  constructor(private readonly deps: LeaseDeps) {}

  /** Runs `work` holding the lease `name`, renewed every third of its term; `held: false` without running when another process holds it. */
  async holding<T>(name: string, work: () => Promise<T>): Promise<Held<T>> {
    const { store, owner, ttlMs } = this.deps;
    if (!(await store.claimLease(name, owner, this.at(0), this.at(ttlMs)))) return { held: false };
    const renewing = setInterval(() => {
      store.renewLease(name, owner, this.at(ttlMs)).then(
        (renewed) => renewed || this.deps.onLost?.(name),
        // The store unreachable for a moment: the next renewal tries again within the term.
        () => undefined,
      );
    }, ttlMs / 3);
    renewing.unref();
    try {
      return { held: true, value: await work() };
    } finally {
      clearInterval(renewing);
      await store.releaseLease(name, owner).catch(() => undefined);
    }
  }

  private at(offsetMs: number): string {
    return new Date(this.deps.clock.now().getTime() + offsetMs).toISOString();
  }
}
