// `vitrine sig image-version wait`: az's generic wait. The version is read every --interval
// seconds until the condition holds, it fails, or --timeout passes. --custom takes the part of
// JMESPath that wait conditions use: paths compared with literals, joined by && or ||. Vitrine's
// --replicated waits for every target region's copy and shows their progress as it goes.

import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { CliError } from "../client.js";
import { connect, serverAction } from "./connected-command.js";
import { positive } from "./disk-shared.js";
import { ReplicationProgress, type ReplicationRow } from "../transfer/replication-progress.js";
import { withApiVersion, type Json } from "./sig-shared.js";
import { addVersionOptions, versionPath, type VersionFlags } from "./sig-image-version-shared.js";

interface WaitFlags extends VersionFlags {
  created?: boolean;
  updated?: boolean;
  deleted?: boolean;
  exists?: boolean;
  custom?: string;
  replicated?: boolean;
  failOnFailed?: boolean;
  expand?: string;
  interval: number;
  timeout: number;
}

export function registerImageVersionWaitCommand(group: Command): void {
  addVersionOptions(
    group
      .command("wait")
      .summary("Wait until an image version is created, updated, deleted, exists, or meets a condition.")
      .description(
        "Read the image version every --interval seconds until the condition holds; exits 1 when the version's provisioningState " +
          "becomes Failed while waiting for --created, --updated or --replicated, or when --timeout passes. --replicated shows each " +
          "target region's copy on stderr: on a terminal, a line per region redrawn in place (state, progress bar, bytes done of total, " +
          "throughput, ETA, replicas complete); otherwise a line each time a region's state changes. A region whose copy failed is " +
          "retried by the server, so --replicated keeps waiting for it unless --fail-on-failed is given.",
      ),
  )
    .option("--created", "wait until the version exists with provisioningState Succeeded")
    .option("--updated", "wait until the version's provisioningState is Succeeded after an update")
    .option("--deleted", "wait until the version no longer exists")
    .option("--exists", "wait until the version exists")
    .option(
      "--custom <condition>",
      "wait until a JMESPath-like condition holds, e.g. \"properties.replicationStatus.aggregatedState=='Completed'\" (with --expand ReplicationStatus); " +
        "paths may leave out 'properties.', as az's do; compare with == or != to a quoted string, a number, true, false or null, and join with && or ||; " +
        "no [?...] filters or functions",
    )
    .option("--replicated", "wait until every target region's replicas are complete (replicationStatus Completed in every region), showing the progress")
    .option("--fail-on-failed", "with --replicated: exit 1 with the region's details as soon as a region's copy is Failed, instead of waiting for the server's retries")
    .option("--expand <expand>", "expand expression of each read, e.g. ReplicationStatus (--replicated expands ReplicationStatus itself)")
    .option("--interval <seconds>", "seconds between reads", positive, 1)
    .option("--timeout <seconds>", "seconds to wait at most", positive, 3600)
    .action(
      serverAction(async (flags: WaitFlags) => {
        const conditions = [flags.created, flags.updated, flags.deleted, flags.exists, flags.custom !== undefined, flags.replicated].filter(Boolean).length;
        if (conditions !== 1) throw new Error("usage error: pass one condition: --created, --updated, --deleted, --exists, --custom or --replicated.");
        if (flags.failOnFailed && !flags.replicated) throw new Error("usage error: --fail-on-failed goes with --replicated.");
        const { client, subscriptionId } = connect(flags);
        const expand = flags.replicated ? "ReplicationStatus" : flags.expand;
        const path = `${withApiVersion(versionPath(subscriptionId, flags))}${expand === undefined ? "" : `&$expand=${encodeURIComponent(expand)}`}`;
        const deadline = Date.now() + flags.timeout * 1000;
        const progress = flags.replicated ? new ReplicationProgress() : undefined;
        try {
          for (;;) {
            const version = await client.request("GET", path).then(
              (response) => response.body as Json,
              (error: unknown) => {
                if (error instanceof CliError && error.status === 404 && !flags.updated) return undefined;
                throw error;
              },
            );
            if (progress ? replicated(flags, version, progress) : holds(flags, version)) return;
            if (Date.now() + flags.interval * 1000 > deadline) throw new Error(`Wait operation timed-out after ${flags.timeout} seconds${progress ? pendingRegions(version) : ""}.`);
            await sleep(flags.interval * 1000);
          }
        } finally {
          progress?.stop();
        }
      }),
    );
}

function holds(flags: WaitFlags, version: Json | undefined): boolean {
  if (flags.deleted) return version === undefined;
  if (version === undefined) return false;
  if (flags.exists) return true;
  if (flags.custom !== undefined) return truthy(evaluate(flags.custom, version));
  const state = (version.properties as Json | undefined)?.provisioningState;
  if (state === "Failed") throw new CliError(409, "OperationFailed", "The operation failed: the image version's provisioningState is Failed.");
  return state === "Succeeded";
}

const rowsOf = (version: Json | undefined): ReplicationRow[] =>
  ((version?.properties as { replicationStatus?: { summary?: ReplicationRow[] } } | undefined)?.replicationStatus?.summary ?? []);

/**
 * --replicated: every target region Completed. A version that failed to build is never copied;
 * a failed copy is retried by the server, so it ends the wait only with --fail-on-failed.
 */
function replicated(flags: WaitFlags, version: Json | undefined, progress: ReplicationProgress): boolean {
  const rows = rowsOf(version);
  progress.show(rows);
  const failed = rows.find((row) => row.state === "Failed");
  if ((version?.properties as Json | undefined)?.provisioningState === "Failed") {
    throw new CliError(409, "OperationFailed", `The operation failed: the image version's provisioningState is Failed.${failed?.details ? ` ${failed.region}: ${failed.details}` : ""}`);
  }
  if (failed && flags.failOnFailed) throw new Error(`Replication to ${failed.region} failed: ${failed.details ?? "no details"}`);
  return rows.length > 0 && rows.every((row) => row.state === "Completed");
}

/** What the regions not yet complete were doing when the wait gave up. */
function pendingRegions(version: Json | undefined): string {
  const pending = rowsOf(version).filter((row) => row.state !== "Completed");
  return pending.length === 0 ? "" : `: ${pending.map((row) => `${row.region} is ${row.state} (${row.progress ?? 0}%)`).join(", ")}`;
}

/** A condition's value: `a || b` and `a && b` left to right, the way JMESPath gives them. */
function evaluate(condition: string, resource: Json): unknown {
  const alternatives = splitOutsideQuotes(condition, "||");
  if (alternatives.length > 1) return alternatives.reduce<unknown>((value, part) => (truthy(value) ? value : evaluate(part, resource)), false);
  const all = splitOutsideQuotes(condition, "&&");
  if (all.length > 1) return all.reduce<unknown>((value, part) => (truthy(value) ? evaluate(part, resource) : value), true);
  const comparison = /^\s*([^=!]+?)\s*(==|!=)\s*(.+?)\s*$/.exec(condition);
  if (!comparison) return valueAt(resource, condition.trim());
  const [, path, operator, literal] = comparison as unknown as [string, string, string, string];
  const equal = JSON.stringify(valueAt(resource, path)) === JSON.stringify(literalOf(literal));
  return operator === "==" ? equal : !equal;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === "`" || char === '"') quote = char;
    else if (text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  return [...parts, text.slice(start)];
}

/** 'raw string', `json`, "string", or a bare JSON value (number, true, false, null). */
function literalOf(text: string): unknown {
  if (/^'.*'$/s.test(text)) return text.slice(1, -1).replace(/\\'/g, "'");
  if (/^`.*`$/s.test(text)) return JSON.parse(text.slice(1, -1)) as unknown;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`usage error: ${text} is not a literal: quote strings, e.g. 'Succeeded'.`);
  }
}

/** `a.b[0].c`, looked up as written, else under `properties` (az shows properties flattened). */
function valueAt(resource: Json, path: string): unknown {
  const names = path.split(/\.|(?=\[)/).filter((name) => name !== "");
  const walk = (from: unknown) =>
    names.reduce<unknown>((value, name) => {
      if (value === null || typeof value !== "object") return undefined;
      const index = /^\[(\d+)\]$/.exec(name);
      return index ? (value as unknown[])[Number(index[1])] : (value as Json)[name];
    }, from);
  const direct = walk(resource);
  return direct !== undefined || names[0] === "properties" ? direct : walk(resource.properties);
}

/** JMESPath's truth: false, null, "", [] and {} are false. */
function truthy(value: unknown): boolean {
  if (value === false || value === null || value === undefined || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
