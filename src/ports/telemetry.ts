// What the services report for monitoring, without knowing how it is exported (src/arm/metrics.ts
// turns it into Prometheus metrics).

export interface Telemetry {
  /** A long-running operation this process ran has ended. */
  operationFinished(status: "Succeeded" | "Failed"): void;
  /** A replica's copy has completed: `bytes` moved from region `from` to the replica's `region`. */
  replicaCopied(copy: { versionId: string; region: string; index: number; from: string; bytes: number }): void;
  /** A deployment or download read a version's content from a replica of `region`. */
  replicaRead(region: string): void;
}

export const noTelemetry: Telemetry = {
  operationFinished: () => undefined,
  replicaCopied: () => undefined,
  replicaRead: () => undefined,
};
