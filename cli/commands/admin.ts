// `vitrine admin ...`: the client of the server's administration API (/vitrine/admin): tenants,
// subscriptions, service principals and the region catalog. Only the administrator principal
// that the server created at first start (the one in connection.json) may use it.

import { Option, type Command } from "commander";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";

const ADMIN = "/vitrine/admin";

interface Region {
  name: string;
  displayName: string;
  restricted?: boolean;
}

type Flags = ServerFlags & Record<string, string | undefined>;

/** Gives an admin command its action, and the connection options after its own ones in the help. */
function onServer(command: Command, work: (flags: Flags) => Promise<void>): void {
  withConnectionOptions(command, false).action(serverAction(work));
}

const valuesOf = (body: unknown): unknown[] => (body as { value?: unknown[] } | undefined)?.value ?? [];

const query = (tenantId: string | undefined): string => (tenantId === undefined ? "" : `?tenantId=${encodeURIComponent(tenantId)}`);

export function registerAdminCommands(program: Command): void {
  const admin = program.command("admin").description("Administer the server: tenants, subscriptions, service principals, regions (administrator only).");

  const tenant = admin.command("tenant").description("Manage tenants (directories of service principals, owners of subscriptions).");
  onServer(
    tenant.command("create").description("Create a tenant; prints it with its new id.").requiredOption("--display-name <name>", "display name of the tenant"),
    async (flags) => {
      const { client } = connect(flags);
      printJson((await client.request("POST", `${ADMIN}/tenants`, { displayName: flags.displayName })).body);
    },
  );
  onServer(tenant.command("list").description("List every tenant."), async (flags) => {
    const { client } = connect(flags);
    printJson(valuesOf((await client.request("GET", `${ADMIN}/tenants`)).body));
  });

  const subscription = admin.command("subscription").description("Manage subscriptions (the scopes resource groups and galleries live in).");
  onServer(
    subscription
      .command("create")
      .description("Create a subscription in a tenant; prints it with its new id.")
      .requiredOption("--tenant <id>", "id of the tenant that owns the subscription")
      .requiredOption("--display-name <name>", "display name of the subscription"),
    async (flags) => {
      const { client } = connect(flags);
      printJson((await client.request("POST", `${ADMIN}/subscriptions`, { tenantId: flags.tenant, displayName: flags.displayName })).body);
    },
  );
  onServer(
    subscription.command("list").description("List subscriptions, of every tenant or of one.").option("--tenant <id>", "only the subscriptions of this tenant"),
    async (flags) => {
      const { client } = connect(flags);
      printJson(valuesOf((await client.request("GET", `${ADMIN}/subscriptions${query(flags.tenant)}`)).body));
    },
  );
  onServer(
    subscription
      .command("allow-region")
      .description("Let a subscription use a restricted region (see `vitrine admin regions`).")
      .requiredOption("--subscription <id>", "id of the subscription")
      .requiredOption("--region <name>", "region name, e.g. australiacentral"),
    async (flags) => {
      const { client } = connect(flags);
      const path = `${ADMIN}/subscriptions/${encodeURIComponent(flags.subscription ?? "")}/allowRegion`;
      printJson((await client.request("POST", path, { region: flags.region })).body);
    },
  );

  const sp = admin.command("sp").description("Manage service principals (the identities clients sign in as).");
  onServer(
    sp
      .command("create")
      .description("Create a service principal; prints its appId (= clientId), tenantId and its secret, which is shown only this once.")
      .requiredOption("--tenant <id>", "id of the tenant the principal belongs to")
      .requiredOption("--display-name <name>", "display name of the principal"),
    async (flags) => {
      const { client } = connect(flags);
      printPrincipal((await client.request("POST", `${ADMIN}/servicePrincipals`, { tenantId: flags.tenant, displayName: flags.displayName })).body);
    },
  );
  onServer(
    sp.command("list").description("List service principals (without secrets), of every tenant or of one.").option("--tenant <id>", "only the principals of this tenant"),
    async (flags) => {
      const { client } = connect(flags);
      printJson(valuesOf((await client.request("GET", `${ADMIN}/servicePrincipals${query(flags.tenant)}`)).body));
    },
  );
  onServer(
    sp
      .command("reset-secret")
      .description("Replace a service principal's secret; prints the new one, shown only this once. The old one stops working.")
      .requiredOption("--tenant <id>", "id of the principal's tenant")
      .requiredOption("--app-id <id>", "application (client) id of the principal"),
    async (flags) => {
      const { client } = connect(flags);
      const path = `${ADMIN}/servicePrincipals/${encodeURIComponent(flags.tenant ?? "")}/${encodeURIComponent(flags.appId ?? "")}/resetSecret`;
      printPrincipal((await client.request("POST", path)).body);
    },
  );

  onServer(
    admin
      .command("regions")
      .description("List the regions the server knows; restricted ones need `admin subscription allow-region`.")
      .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table")),
    async (flags) => {
      const { client } = connect(flags);
      const regions = valuesOf((await client.request("GET", `${ADMIN}/regions`)).body) as Region[];
      if (flags.output === "json") printJson(regions);
      else process.stdout.write(table(["Name", "DisplayName", "Restricted"], regions.map((r) => [r.name, r.displayName, r.restricted ? "yes" : "no"])));
    },
  );
}

/** A principal with its secret: `clientId` spelled out next to `appId`, since clients ask for that name. */
function printPrincipal(body: unknown): void {
  const { appId, ...rest } = body as { appId?: string };
  printJson({ appId, clientId: appId, ...rest });
  process.stderr.write("Store clientSecret now: it cannot be shown again (`vitrine admin sp reset-secret` issues a new one).\n");
}

/** az's table layout: a header, a rule under it, left-aligned columns. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return `${[line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`;
}
