// Printing the disk figures: medians of the runs, the ratio to the baseline, and the target.

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

/** The value at quantile `q` (0..1), nearest rank. */
export const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const all = (values: readonly number[]): string => (values.length > 1 ? ` (runs: ${values.map((v) => (v / 1000).toFixed(2)).join(", ")})` : "");

export interface Verdict {
  figure: string;
  value: string;
  target: string;
  met: boolean;
}

export const verdicts: Verdict[] = [];

/** What Vitrine's side of a figure took: a time per run, and the server's CPU meanwhile, in ms. */
export interface SubjectTiming {
  ms: number;
  serverCpuMs: number;
}

const serverCpu = (timings: readonly SubjectTiming[]): string => `server CPU ${seconds(median(timings.map((t) => t.serverCpuMs)))}`;

/**
 * A speed figure: the baseline's time over Vitrine's (1x = as fast as the baseline). `baseline`
 * holds one total time per run, and the copy's part of it, in ms; `bytes` sizes the rates.
 */
export function reportSpeed(
  figure: string,
  what: string,
  baseline: { name: string; ms: number[]; copyMs: number[] },
  subject: readonly SubjectTiming[],
  atLeast: number,
  bytes: number,
  notes: string[] = [],
): void {
  const subjectMs = subject.map((t) => t.ms);
  const ratio = median(baseline.ms) / median(subjectMs);
  const rate = (ms: number) => `${(bytes / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s of disk`;
  console.log(`\n${figure}. ${what}`);
  console.log(`  baseline, ${baseline.name}: ${seconds(median(baseline.ms))}, ${rate(median(baseline.ms))}; the cp alone ${seconds(median(baseline.copyMs))}${all(baseline.ms)}`);
  console.log(`  Vitrine: ${seconds(median(subjectMs))}, ${rate(median(subjectMs))}; ${serverCpu(subject)}${all(subjectMs)}`);
  for (const note of notes) console.log(`  ${note}`);
  const met = ratio >= atLeast;
  console.log(`  speed ratio (baseline time / Vitrine time): ${ratio.toFixed(2)}x; target >= ${atLeast}x: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `${ratio.toFixed(2)}x`, target: `>= ${atLeast}x`, met });
}

/** A cost figure: the subject's time over the baseline's (1x = no dearer than the baseline). */
export function reportCost(figure: string, what: string, baseline: { name: string; timings: SubjectTiming[] }, subject: { name: string; timings: SubjectTiming[] }, atMost: number): void {
  const ms = (timings: readonly SubjectTiming[]) => timings.map((t) => t.ms);
  const ratio = median(ms(subject.timings)) / median(ms(baseline.timings));
  console.log(`\n${figure}. ${what}`);
  console.log(`  baseline, ${baseline.name}: ${seconds(median(ms(baseline.timings)))}; ${serverCpu(baseline.timings)}${all(ms(baseline.timings))}`);
  console.log(`  ${subject.name}: ${seconds(median(ms(subject.timings)))}; ${serverCpu(subject.timings)}${all(ms(subject.timings))}`);
  const met = ratio <= atMost;
  console.log(`  time ratio (subject / baseline): ${ratio.toFixed(2)}x; target <= ${atMost}x: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `${ratio.toFixed(2)}x`, target: `<= ${atMost}x`, met });
}

export function reportMemory(figure: string, peaks: ReadonlyMap<string, number[]>, limitMiB: number): void {
  console.log(`\n${figure}. peak RSS of the server process (VmHWM), max over runs`);
  let highest = 0;
  for (const [what, values] of peaks) {
    const peak = Math.max(...values);
    highest = Math.max(highest, peak);
    console.log(`  ${what}: ${(peak / 2 ** 20).toFixed(0)} MiB`);
  }
  const met = highest < limitMiB * 2 ** 20;
  console.log(`  baseline: the ${limitMiB} MiB budget; highest ${(highest / 2 ** 20).toFixed(0)} MiB: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `${(highest / 2 ** 20).toFixed(0)} MiB`, target: `< ${limitMiB} MiB`, met });
}

export function reportLatency(figure: string, idle: number[], busy: number[], p99AtMost: number): void {
  const line = (values: number[]) => `p50 ${quantile(values, 0.5).toFixed(2)} ms, p99 ${quantile(values, 0.99).toFixed(2)} ms, max ${Math.max(...values).toFixed(1)} ms (${values.length} GETs)`;
  console.log(`\n${figure}. control-plane GET of a gallery, sequential, keep-alive`);
  console.log(`  baseline, idle server: ${line(idle)}`);
  console.log(`  during an Import of the fixed VHD: ${line(busy)}`);
  const p99 = quantile(busy, 0.99);
  const ratio = p99 / quantile(idle, 0.99);
  const met = p99 < p99AtMost;
  console.log(`  p99 ratio (busy / idle): ${ratio.toFixed(2)}x; target p99 < ${p99AtMost} ms: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `p99 ${p99.toFixed(1)} ms`, target: `p99 < ${p99AtMost} ms`, met });
}

export function printSummary(): void {
  console.log("\nsummary");
  for (const { figure, value, target, met } of verdicts) console.log(`  ${figure.padEnd(3)} ${value.padEnd(12)} target ${target.padEnd(12)} ${met ? "met" : "MISSED"}`);
}
