// Long-running operations: every asynchronous ARM request gets a durable record that a client
// polls (on any server of a scaled-out deployment, since it lives in the metadata store).

import { ArmError, errors } from "../errors.js";
import type { Clock } from "../../ports/clock.js";
import type { Ids } from "../../ports/ids.js";
import type { MetadataStore, OperationRecord } from "../../ports/metadata-store.js";

export class Operations {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: { store: MetadataStore; clock: Clock; ids: Ids }) {}

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
   * record is returned at once, for the client to poll.
   */
  async start(subscriptionId: string, location: string, resourceId: string, work: () => Promise<void>): Promise<OperationRecord> {
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
    this.run(operation, work);
    return operation;
  }

  /**
   * At start: every operation a stop left InProgress is run again under its own id (so a client
   * still polling it sees it end) with the work `resumeFor` gives, or failed when there is none.
   */
  async resumeAll(resumeFor: (operation: OperationRecord) => Promise<(() => Promise<void>) | undefined>): Promise<number> {
    const running = await this.deps.store.listRunningOperations();
    for (const operation of running) {
      const work = await resumeFor(operation);
      this.run(operation, work ?? (() => Promise.reject(errors.operationNotResumable(operation.resourceId))));
    }
    return running.length;
  }

  private run(operation: OperationRecord, work: () => Promise<void>): void {
    const finish = (error: { code: string; message: string; target?: string } | null) =>
      this.deps.store.putOperation({ ...operation, status: error ? "Failed" : "Succeeded", endTime: this.deps.clock.now().toISOString(), error });
    this.running.set(
      operation.id,
      work()
        .then(
          () => finish(null),
          (error: unknown) => finish(error instanceof ArmError ? armErrorBody(error) : { code: "InternalServerError", message: String(error instanceof Error ? error.message : error) }),
        )
        .finally(() => this.running.delete(operation.id)),
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
