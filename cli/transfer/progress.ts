// Progress of a transfer on stderr: a live bar (bytes done of the total, rate, ETA) when stderr is
// a terminal, nothing while it runs otherwise, so logs and pipes stay clean; callers print one
// summary line at the end either way.

import cliProgress from "cli-progress";

const MIB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / 1024 / MIB).toFixed(2)} GiB`;
}

export function formatRate(bytes: number, seconds: number): string {
  return `${formatBytes(seconds > 0 ? bytes / seconds : bytes)}/s`;
}

export class TransferProgress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();
  private done = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    this.bar = new cliProgress.SingleBar({
      stream,
      hideCursor: true,
      etaBuffer: 50,
      format: (options, params) => {
        const bar = cliProgress.Format.BarFormat(params.progress, options);
        const eta = params.value >= params.total ? "0s" : Number.isFinite(params.eta) && params.value > 0 ? cliProgress.Format.TimeFormat(params.eta, options, 1) : "--";
        const seconds = (Date.now() - this.started) / 1000;
        return `${label} ${bar} ${Math.floor(params.progress * 100)}% | ${formatBytes(params.value)} of ${formatBytes(params.total)} | ${formatRate(params.value, seconds)} | ETA ${eta}`;
      },
    });
    this.bar.start(total, 0);
  }

  advance(bytes: number): void {
    this.done += bytes;
    this.bar?.update(this.done);
  }

  /** Stops the bar; the seconds since the start. */
  stop(): number {
    this.bar?.stop();
    return (Date.now() - this.started) / 1000;
  }
}
