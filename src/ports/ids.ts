// Identifiers are injected for the same reason as time: tests can predict them.

import { randomUUID } from "node:crypto";

export interface Ids {
  /** A new lower-case GUID. */
  uuid(): string;
}

export const randomIds: Ids = { uuid: () => randomUUID() };
