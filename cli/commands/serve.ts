// `vitrine serve`: start the server on the embedded default (or the configured stores).

import type { Command } from "commander";
import { configFromEnvironment, readConfigFile, resolveConfig, type ConfigInput } from "../../src/config.js";
import { startVitrine } from "../../src/main.js";

export interface ServerFlags {
  dataDir?: string;
  host?: string;
  port?: string;
  config?: string;
  databaseUrl?: string;
  publicUrl?: string;
  logLevel?: string;
  role?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("Start the Vitrine server (HTTPS ARM API and token endpoint).")
    .option("--data-dir <dir>", "data directory: database, certificates, connection.json [env VITRINE_DATA_DIR] (default: ./.vitrine)")
    .option("--host <host>", "address to listen on [env VITRINE_HOST] (default: 127.0.0.1)")
    .option("--port <port>", "port to listen on, 0 for any free one [env VITRINE_PORT] (default: 8443)")
    .option("--config <file>", "JSON configuration file [env VITRINE_CONFIG]")
    .option("--database-url <url>", "metadata store: sqlite:<file> or postgres://... [env VITRINE_DATABASE_URL]")
    .option("--public-url <url>", "URL clients use to reach this server [env VITRINE_PUBLIC_URL]")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent [env VITRINE_LOG_LEVEL] (default: info)")
    .option(
      "--role <role>",
      "api: serve requests, leave copies to other regions to workers; worker: run background work (copies, resumed operations), serve only /healthz, /readyz and /metrics; all: both, one process [env VITRINE_ROLE] (default: all)",
    )
    .action(async (flags: ServerFlags) => {
      const configFile = flags.config ?? process.env.VITRINE_CONFIG;
      const fromFlags: ConfigInput = {
        dataDir: flags.dataDir,
        host: flags.host,
        port: flags.port,
        databaseUrl: flags.databaseUrl,
        publicUrl: flags.publicUrl,
        logLevel: flags.logLevel,
        role: flags.role,
      };
      const config = resolveConfig(configFile ? readConfigFile(configFile) : {}, configFromEnvironment(process.env), fromFlags);
      const vitrine = await startVitrine(config);
      const { connection } = vitrine;
      process.stderr.write(
        `Vitrine is serving ${connection.endpoint} (role ${config.role})\n` +
          `  tenant ${connection.tenantId}, subscription ${connection.subscriptionId}\n` +
          `  credentials: ${vitrine.connectionFile}\n` +
          `  client set-up: eval "$(vitrine env --data-dir ${config.dataDir})"\n`,
      );
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal}: shutting down\n`);
        vitrine.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
}
