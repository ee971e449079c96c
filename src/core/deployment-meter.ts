// How many deployments a version sees at once in a region, for Azure's scaling guidance: one
// replica for every 20 virtual machines created at the same time (and one per scale set deployed
// at the same time). Vitrine creates no VMs; a deployment is a disk created FromImage, and "at
// the same time" is within a sliding window. The meter keeps the highest count it has seen.

/** Azure's rule of thumb: concurrent VM creations one replica serves. */
export const DEPLOYMENTS_PER_REPLICA = 20;
export const DEPLOYMENT_WINDOW_SECONDS = 60;

export class DeploymentMeter {
  private readonly recent = new Map<string, number[]>();
  private readonly peaks = new Map<string, number>();

  /** Counts a deployment of `key` (a version in a region) at `nowMs`. */
  record(key: string, nowMs: number): void {
    const since = nowMs - DEPLOYMENT_WINDOW_SECONDS * 1000;
    const times = [...(this.recent.get(key) ?? []).filter((time) => time > since), nowMs];
    this.recent.set(key, times);
    this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, times.length));
  }

  /** The most deployments of `key` seen within one window so far. */
  peak(key: string): number {
    return this.peaks.get(key) ?? 0;
  }
}

/** Replicas Azure's guidance asks for, for a peak of concurrent deployments. */
export function recommendedReplicas(peak: number): number {
  return Math.max(1, Math.ceil(peak / DEPLOYMENTS_PER_REPLICA));
}
