// `vitrine admin ...`: the client of the server's administration API (/vitrine/admin): tenants,
// subscriptions, service principals, users, groups and the region catalog. Only the administrator principal
// that the server created at first start (the one in connection.json) may use it.

import { Option, type Command } from "commander";
import { connect, printJson, serverAction, table, withConnectionOptions, type ServerFlags } from "./connected-command.js";

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
      .requiredOption("--display-name <name>", "display name of the subscription")
      .option("--owner <objectId>", "object id of a user or service principal to make the subscription's Owner (the administrator is Owner everywhere)"),
    async (flags) => {
      const { client } = connect(flags);
      printJson((await client.request("POST", `${ADMIN}/subscriptions`, { tenantId: flags.tenant, displayName: flags.displayName, ownerObjectId: flags.owner })).body);
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
    sp
      .command("consent")
      .description("Consent to a multi-tenant application in another tenant: creates the app's service principal there (same appId and secret, its own object id).")
      .requiredOption("--app-id <id>", "application (client) id")
      .requiredOption("--tenant <id>", "the tenant that consents"),
    async (flags) => {
      const { client } = connect(flags);
      printJson((await client.request("POST", `${ADMIN}/servicePrincipals/${encodeURIComponent(flags.appId ?? "")}/consent`, { tenantId: flags.tenant })).body);
    },
  );
  registerUserAndGroupCommands(admin);

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

/** `vitrine admin user ...` and `vitrine admin group ...`: people sign in with a password; groups hold users, principals and other groups. */
function registerUserAndGroupCommands(admin: Command): void {
  const user = admin.command("user").description("Manage users (people who sign in with a name and password).");
  onServer(
    user
      .command("create")
      .description("Create a user; prints it, with a generated password (shown only this once) when --password is not given.")
      .requiredOption("--tenant <id>", "id of the user's tenant")
      .requiredOption("--user-principal-name <name>", "sign-in name, e.g. alice@contoso.example")
      .requiredOption("--display-name <name>", "display name")
      .option("--password <password>", "the password (default: a generated one)"),
    async (flags) => {
      const { client } = connect(flags);
      const body = { tenantId: flags.tenant, userPrincipalName: flags.userPrincipalName, displayName: flags.displayName, password: flags.password };
      printJson((await client.request("POST", `${ADMIN}/users`, body)).body);
    },
  );
  onServer(user.command("list").description("List users (without passwords).").option("--tenant <id>", "only the users of this tenant"), async (flags) => {
    const { client } = connect(flags);
    printJson(valuesOf((await client.request("GET", `${ADMIN}/users${query(flags.tenant)}`)).body));
  });

  const group = admin.command("group").description("Manage groups; a role given to a group reaches its members and the members of groups inside it.");
  onServer(
    group.command("create").description("Create a group; prints it with its object id.").requiredOption("--tenant <id>", "id of the group's tenant").requiredOption("--display-name <name>", "display name"),
    async (flags) => {
      const { client } = connect(flags);
      printJson((await client.request("POST", `${ADMIN}/groups`, { tenantId: flags.tenant, displayName: flags.displayName })).body);
    },
  );
  onServer(group.command("list").description("List groups.").option("--tenant <id>", "only the groups of this tenant"), async (flags) => {
    const { client } = connect(flags);
    printJson(valuesOf((await client.request("GET", `${ADMIN}/groups${query(flags.tenant)}`)).body));
  });
  const member = group.command("member").description("Manage a group's members (users, service principals, groups).");
  const memberPath = (flags: Flags) => `${ADMIN}/groups/${encodeURIComponent(flags.group ?? "")}/members`;
  onServer(
    member.command("add").description("Add a member to a group.").requiredOption("--group <objectId>", "the group").requiredOption("--member-id <objectId>", "the user, service principal or group to add"),
    async (flags) => {
      const { client } = connect(flags);
      await client.request("POST", memberPath(flags), { memberId: flags.memberId });
    },
  );
  onServer(
    member.command("remove").description("Remove a member from a group.").requiredOption("--group <objectId>", "the group").requiredOption("--member-id <objectId>", "the member to remove"),
    async (flags) => {
      const { client } = connect(flags);
      await client.request("DELETE", `${memberPath(flags)}/${encodeURIComponent(flags.memberId ?? "")}`);
    },
  );
  onServer(member.command("list").description("List a group's direct members (object ids).").requiredOption("--group <objectId>", "the group"), async (flags) => {
    const { client } = connect(flags);
    printJson(valuesOf((await client.request("GET", memberPath(flags))).body));
  });
}
