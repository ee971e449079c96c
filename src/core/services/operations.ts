// Long-running operations: every asynchronous ARM request gets a durable record that a client
// polls (on any server of a scaled-out deployment, since it lives in the metadata store). Whoever
// runs an operation holds its lease (leases.ts), so that of the processes sharing the store one
// runs it; background work (copies to other regions) is only recorded by an API server and taken
// up by a worker's poll (`resumeAll`), as is the work of a process that died.

import { ArmError, errors } from "../errors.js";
import type { Clock } from "../../ports/clock.js";
import type { Ids } from "../../ports/ids.js";
import type { MetadataStore, OperationRecord } from "../../ports/metadata-store.js";
import type { Telemetry } from "../../ports/telemetry.js";
import type { Leases } from "./leases.js";

export interface OperationsDeps {
  store: MetadataStore;
  clock: Clock;
  ids: Ids;
  leases: Leases;
  /** Whether this process runs background work (a worker); an API server only records it. */
  runsBackground: boolean;
  telemetry: Telemetry;
}

export class Operations {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: OperationsDeps) {}

  /** Records an operation that finished while the request was served. */
  async completed(subscriptionId: string, location: string, resourceId: string, failure?: ArmError): Promise<OperationRecord> {
    const now = this.deps.clock.now().toISOString();
    const operation: OperationRecord = {
      id: this.deps.ids.uuid(),
      subscriptionId: subscriptionId.toLowerCase(),
      location,
      resourceId,
      status: failure ? "Failed" : "Succeeded",
      startTime: now,
      endTime: now,
      error: failure ? armErrorBody(failure) : null,
    };
    await this.deps.store.putOperation(operation);
    return operation;
  }

  /**
   * Records an operation as running, runs `work` in the background and records how it ended. The
   * record is returned at once, for the client to poll. `background` work (resumable from the
   * resource's record) is left to a worker when this process is not one.
   */
  async start(subscriptionId: string, location: string, resourceId: string, work: () => Promise<void>, options: { background?: boolean } = {}): Promise<OperationRecord> {
    const operation: OperationRecord = {
      id: this.deps.ids.uuid(),
      subscriptionId: subscriptionId.toLowerCase(),
      location,
      resourceId,
      status: "InProgress",
      startTime: this.deps.clock.now().toISOString(),
      endTime: null,
      error: null,
    };
    await this.deps.store.putOperation(operation);
    if (this.deps.runsBackground || !options.background) this.run(operation, work);
    return operation;
  }

  /**
   * At start and then periodically on a worker: every operation left InProgress that no live
   * process holds (a stop or a crash cut it short, or an API server only recorded it) is run
   * under its own id (so a client still polling it sees it end) with the work `resumeFor` gives,
   * or failed when there is none. Returns how many it found (some may be claimed meanwhile by
   * another process, which then runs them).
   */
  async resumeAll(resumeFor: (operation: OperationRecord) => Promise<(() => Promise<void>) | undefined>): Promise<number> {
    const waiting = (await this.deps.store.listRunningOperations()).filter((operation) => !this.running.has(operation.id));
    for (const operation of waiting) {
      this.run(operation, async () => {
        const work = await resumeFor(operation);
        if (!work) throw errors.operationNotResumable(operation.resourceId);
        await work();
      });
    }
    return waiting.length;
  }

  /** Runs the operation's work under its lease and records how it ended, unless another process holds it. */
  private run(operation: OperationRecord, work: () => Promise<void>): void {
    const finish = (error: { code: string; message: string; target?: string } | null) => {
      this.deps.telemetry.operationFinished(error ? "Failed" : "Succeeded");
      return this.deps.store.putOperation({ ...operation, status: error ? "Failed" : "Succeeded", endTime: this.deps.clock.now().toISOString(), error });
    };
    const held = this.deps.leases.holding(`operation:${operation.id}`, async () => {
      // Listed as running, it may have ended before the lease was claimed.
      if ((await this.deps.store.getOperation(operation.id))?.status !== "InProgress") return;
      await work().then(
        () => finish(null),
        (error: unknown) => finish(error instanceof ArmError ? armErrorBody(error) : { code: "InternalServerError", message: String(error instanceof Error ? error.message : error) }),
      );
    });
    // The store unreachable: the operation stays InProgress, and a worker's poll takes it up again.
    this.running.set(
      operation.id,
      held.then(
        () => undefined,
        () => undefined,
      ).finally(() => this.running.delete(operation.id)),
    );
  }

  /** Resolves when this process has finished running the operation (at once when it does not run it). */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.catch(() => undefined);
  }

  /** Whether this process is running background work. */
  busy(): boolean {
    return this.running.size > 0;
  }

  /** How many operations this process is running (metrics). */
  runningCount(): number {
    return this.running.size;
  }

  /** Waits for the operations this process runs (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  async get(subscriptionId: string, id: string): Promise<OperationRecord> {
    const operation = await this.deps.store.getOperation(id.toLowerCase());
    if (!operation || operation.subscriptionId !== subscriptionId.toLowerCase()) throw errors.operationNotFound(id);
    return operation;
  }
}

const armErrorBody = (error: ArmError) => ({ code: error.code, message: error.message, ...(error.target && { target: error.target }) });

/** The status body ARM's pollers read (`status` is what they branch on). */
export function renderOperation(operation: OperationRecord): Record<string, unknown> {
  return {
    name: operation.id,
    status: operation.status,
    startTime: operation.startTime,
    ...(operation.endTime && { endTime: operation.endTime }),
    ...(operation.error && { error: operation.error }),
  };
}
