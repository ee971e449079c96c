// `vitrine env`: the shell exports that Node and az clients need to trust and reach a server.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { ConnectionInfo } from "../../src/main.js";

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export function envExports(connection: ConnectionInfo, dataDir: string): string {
  const lines = [
    `# Vitrine at ${connection.endpoint}`,
    `export NODE_EXTRA_CA_CERTS=${quote(connection.caCertFile)}`,
    `export REQUESTS_CA_BUNDLE=${quote(connection.caCertFile)}`,
    `export AZURE_TENANT_ID=${quote(connection.tenantId)}`,
    `export AZURE_CLIENT_ID=${quote(connection.clientId)}`,
    `export AZURE_CLIENT_SECRET=${quote(connection.clientSecret)}`,
    `export AZURE_AUTHORITY_HOST=${quote(connection.authorityHost)}`,
    `export AZURE_SUBSCRIPTION_ID=${quote(connection.subscriptionId)}`,
    `export VITRINE_ENDPOINT=${quote(connection.endpoint)}`,
    `# az keeps its login per config dir; a separate one keeps your Azure login apart:`,
    `export AZURE_CONFIG_DIR=${quote(join(dataDir, "azure-cli"))}`,
    `# then, once:  az cloud register -n Vitrine --endpoint-resource-manager ${connection.endpoint}/ && az cloud set -n Vitrine`,
    `#              az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID"`,
  ];
  return `${lines.join("\n")}\n`;
}

export function registerEnvCommand(program: Command): void {
  program
    .command("env")
    .description("Print the shell exports (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, AZURE_*) for clients of a server; use with eval.")
    .option("--data-dir <dir>", "the server's data directory [env VITRINE_DATA_DIR] (default: ./.vitrine)")
    .action((flags: { dataDir?: string }) => {
      const dataDir = resolve(flags.dataDir ?? process.env.VITRINE_DATA_DIR ?? ".vitrine");
      const file = join(dataDir, "connection.json");
      let connection: ConnectionInfo;
      try {
        connection = JSON.parse(readFileSync(file, "utf8")) as ConnectionInfo;
      } catch {
        throw new Error(`No ${file}: start the server first (vitrine serve --data-dir ${dataDir}).`);
      }
      process.stdout.write(envExports(connection, dataDir));
    });
}
