// What every command that talks to a server shares: the flags that find the server, a client for
// it, az-style error reporting and JSON output.

import { Option, type Command } from "commander";
import { reportCliError, resolveConnection, VitrineClient, type ConnectionFlags } from "../client.js";

export interface ServerFlags extends ConnectionFlags {
  /** Overrides the connection's subscription (ARM commands only). */
  subscription?: string;
}

const CONNECTION_GROUP = "Connection Options:";

/**
 * Adds --data-dir and --connection, and --subscription unless `withSubscription` is false, under
 * their own heading in the help so the command's own options stand out.
 */
export function withConnectionOptions(command: Command, withSubscription = true): Command {
  const option = (flags: string, description: string) => new Option(flags, description).helpGroup(CONNECTION_GROUP);
  command
    .addOption(option("--data-dir <dir>", "the server's data directory, holding connection.json [env VITRINE_DATA_DIR] (default: ./.vitrine)"))
    .addOption(option("--connection <file>", "a connection.json to use instead of the data directory's"));
  if (withSubscription) command.addOption(option("--subscription <id>", "subscription to work in [env AZURE_SUBSCRIPTION_ID] (default: the connection's)"));
  return command;
}

export interface Connected {
  client: VitrineClient;
  subscriptionId: string;
}

export function connect(flags: ServerFlags): Connected {
  const client = new VitrineClient(resolveConnection(flags));
  return { client, subscriptionId: flags.subscription ?? client.connection.subscriptionId };
}

/**
 * An action that reports server errors the way az does instead of failing with a stack:
 * `show` actions exit 3 when the server answers 404.
 */
export function serverAction<Flags>(work: (flags: Flags) => Promise<void>, options: { show?: boolean } = {}) {
  return async (flags: Flags): Promise<void> => {
    try {
      await work(flags);
    } catch (error) {
      reportCliError(error, options);
    }
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** az's table layout: a header, a rule under it, left-aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return `${[line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`;
}
