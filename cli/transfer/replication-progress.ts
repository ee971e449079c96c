// An image version's replication on stderr, one line per target region, from the rows of its
// `replicationStatus.summary`: redrawn in place when stderr is a terminal (state, bar, bytes,
// throughput, ETA, replicas complete); otherwise a line each time a region's state changes, so
// logs and pipes get what happened without a line per poll.

import cliProgress from "cli-progress";
import { formatBytes } from "./progress.js";

/** A row of `replicationStatus.summary`, with the fields Vitrine adds where it adds them. */
export interface ReplicationRow {
  region: string;
  state: string;
  details?: string;
  progress?: number;
  bytesDone?: number;
  bytesTotal?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  replicas?: Array<{ state?: string }>;
}

const replicasComplete = (row: ReplicationRow): string => {
  const replicas = row.replicas ?? [];
  return `${replicas.filter((replica) => replica.state === "Completed").length} of ${replicas.length} replicas complete`;
};

const bytesOf = (row: ReplicationRow): string => `${formatBytes(row.bytesDone ?? 0)} of ${formatBytes(row.bytesTotal ?? 0)}`;

/** The line printed when a region's state changes (not a terminal). */
export function stateLine(row: ReplicationRow): string {
  const line = `${row.region}: ${row.state}, ${row.progress ?? 0}%, ${bytesOf(row)}, ${replicasComplete(row)}`;
  return row.state === "Failed" && row.details ? `${line}: ${row.details}` : line;
}

export class ReplicationProgress {
  private readonly bars: cliProgress.MultiBar | undefined;
  private readonly lines = new Map<string, cliProgress.SingleBar>();
  private readonly printed = new Map<string, string>();
  private width = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    this.bars = new cliProgress.MultiBar({
      stream,
      // The cursor stays visible: a wait is often ended with Ctrl-C, which would leave it hidden.
      barsize: 20,
      format: (options, params, payload: { row: ReplicationRow }) => {
        const { row } = payload;
        const bar = cliProgress.Format.BarFormat(params.progress, options);
        const rate = row.bytesPerSecond === undefined ? "--" : `${formatBytes(row.bytesPerSecond)}/s`;
        const eta = row.state === "Completed" ? "0s" : row.etaSeconds === undefined ? "--" : cliProgress.Format.TimeFormat(row.etaSeconds, options, 1);
        const line = `${row.region.padEnd(this.width)} ${row.state.padEnd(11)} ${bar} ${String(row.progress ?? 0).padStart(3)}% | ${bytesOf(row)} | ${rate} | ETA ${eta} | ${replicasComplete(row)}`;
        return row.state === "Failed" && row.details ? `${line} | ${row.details}` : line;
      },
    });
  }

  /** The regions as the last read of the version shows them. */
  show(rows: readonly ReplicationRow[]): void {
    if (!this.bars) {
      for (const row of rows) {
        if (this.printed.get(row.region) === row.state) continue;
        this.printed.set(row.region, row.state);
        this.stream.write(`${stateLine(row)}\n`);
      }
      return;
    }
    this.width = Math.max(this.width, ...rows.map((row) => row.region.length));
    for (const row of rows) {
      const bar = this.lines.get(row.region);
      if (bar) bar.update(row.progress ?? 0, { row });
      else this.lines.set(row.region, this.bars.create(100, row.progress ?? 0, { row }));
    }
    // A region taken out of the targets while watching.
    for (const [region, bar] of this.lines) {
      if (rows.some((row) => row.region === region)) continue;
      this.bars.remove(bar);
      this.lines.delete(region);
    }
  }

  /** Draws the last state once more and leaves it on the terminal. */
  stop(): void {
    this.bars?.stop();
  }
}
