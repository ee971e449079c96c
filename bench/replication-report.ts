// Printing the replication figures that the disk report has no shape for: bytes moved against
// bytes changed, and a time against a tool's (rsync) that has no server. Verdicts go to the disk
// report's summary.
import { verdicts, type SubjectTiming } from "./disk-report.js";

const MIB = 2 ** 20;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Bytes a copy moved over the bytes that had changed (1x = nothing but the changes). */
export function reportBytes(figure: string, what: string, changed: { name: string; bytes: number }, moved: { name: string; bytes: number }, atMost: number): void {
  const ratio = moved.bytes / changed.bytes;
  console.log(`\n${figure}. ${what}`);
  console.log(`  baseline, ${changed.name}: ${(changed.bytes / MIB).toFixed(1)} MiB`);
  console.log(`  ${moved.name}: ${(moved.bytes / MIB).toFixed(1)} MiB`);
  const met = ratio <= atMost;
  console.log(`  bytes ratio (moved / changed): ${ratio.toFixed(2)}x; target <= ${atMost}x: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `${ratio.toFixed(2)}x`, target: `<= ${atMost}x`, met });
}

/** Vitrine's time over a tool's (1x = as slow as the tool): the tool's run, then the fsync of what it wrote. */
export function reportAgainstTool(figure: string, what: string, tool: { name: string; runMs: number; syncMs: number }, subject: SubjectTiming, atMost: number): void {
  const toolMs = tool.runMs + tool.syncMs;
  const ratio = subject.ms / toolMs;
  console.log(`\n${figure}. ${what}`);
  console.log(`  baseline, ${tool.name}: ${seconds(toolMs)}; the tool alone ${seconds(tool.runMs)}, the fsync ${seconds(tool.syncMs)}`);
  console.log(`  Vitrine: ${seconds(subject.ms)}; server CPU ${seconds(subject.serverCpuMs)}`);
  const met = ratio <= atMost;
  console.log(`  time ratio (Vitrine / baseline): ${ratio.toFixed(2)}x; target <= ${atMost}x: ${met ? "met" : "MISSED"}`);
  verdicts.push({ figure, value: `${ratio.toFixed(2)}x`, target: `<= ${atMost}x`, met });
}
