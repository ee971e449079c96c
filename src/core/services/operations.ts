// Long-running operations: every asynchronous ARM request gets a durable record that a client
// polls (on any server of a scaled-out deployment, since it lives in the metadata store).

import { errors, type ArmError } from "../errors.js";
import type { Clock } from "../../ports/clock.js";
import type { Ids } from "../../ports/ids.js";
import type { MetadataStore, OperationRecord } from "../../ports/metadata-store.js";

export class Operations {
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
      error: failure ? { code: failure.code, message: failure.message, ...(failure.target && { target: failure.target }) } : null,
    };
    await this.deps.store.putOperation(operation);
    return operation;
  }

  async get(subscriptionId: string, id: string): Promise<OperationRecord> {
    const operation = await this.deps.store.getOperation(id.toLowerCase());
    if (!operation || operation.subscriptionId !== subscriptionId.toLowerCase()) throw errors.operationNotFound(id);
    return operation;
  }
}

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
