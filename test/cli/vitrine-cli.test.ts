// The built `vitrine` CLI as a user runs it: a child process pointed at a real server (started
// here, in-process) through --data-dir, nothing else. Its environment holds no AZURE_*, VITRINE_*
// or NODE_EXTRA_CA_CERTS, so it must find and trust the server from connection.json alone.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.js";
import { startVitrine, type RunningVitrine } from "../../src/main.js";
import { runCli, type CliRun } from "./cli-runner.js";

type Run = CliRun;

interface Resource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
}
interface Tenant {
  id: string;
  displayName: string;
}
interface Subscription {
  id: string;
  tenantId: string;
  allowedRegions: string[];
}
interface Principal {
  appId: string;
  objectId: string;
  clientId?: string;
  tenantId: string;
  clientSecret: string;
  secretHash?: string;
}
interface Region {
  name: string;
  restricted?: boolean;
}

describe("vitrine CLI against a running server", () => {
  let dataDir: string;
  let server: RunningVitrine;
  let vitrine: (...args: string[]) => Promise<Run>;
  const ok = <T = Resource>(result: Run): T => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
    return result.json as T;
  };
  const gallery = ["-g", "rg1", "-r", "gallery1"];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "vitrine-cli-"));
    // One item per page, so every list the CLI prints is stitched together from nextLinks.
    server = await startVitrine(resolveConfig({ dataDir, port: 0, logLevel: "silent", pageSize: 1 }));
    vitrine = (...args) => runCli([...args, "--data-dir", dataDir]);
    const created = await vitrine("group", "create", "-n", "rg1", "-l", "westus", "--tags", "team=platform");
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates, shows, lists, updates and deletes galleries", async () => {
    const created = ok(await vitrine("sig", "create", ...gallery, "--description", "first", "--tags", "team=blue", "env=dev"));
    assert.equal(created.name, "gallery1");
    assert.equal(created.location, "westus", "location defaults to the resource group's");
    assert.equal(created.properties.description, "first");
    assert.deepEqual(created.tags, { team: "blue", env: "dev" });
    ok(await vitrine("sig", "create", "-g", "rg1", "-r", "gallery2", "-l", "eastus"));

    const shown = ok(await vitrine("sig", "show", ...gallery));
    assert.equal(shown.id, created.id);
    assert.equal(shown.type, "Microsoft.Compute/galleries");

    const inGroup = ok<Resource[]>(await vitrine("sig", "list", "-g", "rg1"));
    assert.deepEqual(inGroup.map((g) => g.name).sort(), ["gallery1", "gallery2"]);
    const inSubscription = ok<Resource[]>(await vitrine("sig", "list"));
    assert.deepEqual(inSubscription.map((g) => g.name).sort(), ["gallery1", "gallery2"]);

    const described = ok(await vitrine("sig", "update", ...gallery, "--description", "second"));
    assert.equal(described.properties.description, "second");
    assert.deepEqual(described.tags, { team: "blue", env: "dev" });
    const set = ok(await vitrine("sig", "update", ...gallery, "--set", "description=third", "tags.team=red"));
    assert.equal(set.properties.description, "third");
    assert.deepEqual(set.tags, { team: "red", env: "dev" });

    const deleted = await vitrine("sig", "delete", "-g", "rg1", "-r", "gallery2");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, "");
    const missing = await vitrine("sig", "show", "-g", "rg1", "-r", "gallery2");
    assert.equal(missing.code, 3, "az exits 3 when show finds nothing");
    assert.match(missing.stderr, /^\(ResourceNotFound\) .+\nCode: ResourceNotFound\nMessage: .+/);
  });

  it("manages image definitions, refusing a duplicate identifier", async () => {
    const definitions: [string, string, string, string][] = [
      ["myImage1", "Contoso", "Finance", "Backend"],
      ["myImage2", "Contoso", "Finance", "Frontend"],
      ["myImage3", "Testing", "Finance", "Frontend"],
    ];
    for (const [name, publisher, offer, sku] of definitions) {
      const created = ok(
        await vitrine("sig", "image-definition", "create", ...gallery, "-i", name, "-p", publisher, "-f", offer, "-s", sku, "--os-type", "linux"),
      );
      assert.equal(created.name, name);
      assert.deepEqual(created.properties.identifier, { publisher, offer, sku });
      assert.equal(created.properties.osType, "Linux", "enums are sent in their canonical casing");
      assert.equal(created.properties.osState, "Generalized");
      assert.equal(created.properties.hyperVGeneration, "V1");
      assert.equal(created.location, "westus");
    }

    const duplicate = await vitrine("sig", "image-definition", "create", ...gallery, "-i", "myImage4", "-p", "Contoso", "-f", "Finance", "-s", "Backend", "--os-type", "Linux");
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr, /\(GalleryImageIdentifierAlreadyExists\)/);
    assert.match(duplicate.stderr, /Code: GalleryImageIdentifierAlreadyExists/);

    const detailed = ok(
      await vitrine(
        "sig", "image-definition", "create", ...gallery, "-i", "armImage", "-p", "Contoso", "-f", "Arm", "-s", "Server",
        "--os-type", "Linux", "--os-state", "specialized", "--hyper-v-generation", "V2", "--architecture", "arm64",
        "--features", "SecurityType=TrustedLaunch IsAcceleratedNetworkSupported=true", "--end-of-life-date", "2030-01-01",
        "--minimum-cpu-core", "2", "--maximum-cpu-core", "8", "--disallowed-disk-types", "Standard_LRS",
        "--plan-name", "plan", "--plan-product", "product", "--plan-publisher", "publisher", "--tags", "tier=gold",
      ),
    );
    const properties = detailed.properties;
    assert.equal(properties.osState, "Specialized");
    assert.equal(properties.hyperVGeneration, "V2");
    assert.equal(properties.architecture, "Arm64");
    assert.deepEqual(properties.features, [
      { name: "SecurityType", value: "TrustedLaunch" },
      { name: "IsAcceleratedNetworkSupported", value: "true" },
    ]);
    assert.equal(Date.parse(String(properties.endOfLifeDate)), Date.parse("2030-01-01T12:59:59Z"), "a bare date means 12:59:59 UTC, as az sends it");
    assert.deepEqual(properties.recommended, { vCPUs: { min: 2, max: 8 } });
    assert.deepEqual(properties.disallowed, { diskTypes: ["Standard_LRS"] });
    assert.deepEqual(properties.purchasePlan, { name: "plan", product: "product", publisher: "publisher" });
    assert.deepEqual(detailed.tags, { tier: "gold" });

    const listed = ok<Resource[]>(await vitrine("sig", "image-definition", "list", ...gallery));
    assert.deepEqual(listed.map((d) => d.name).sort(), ["armImage", "myImage1", "myImage2", "myImage3"]);

    const updated = ok(
      await vitrine("sig", "image-definition", "update", ...gallery, "-i", "myImage1", "--description", "backend image", "--maximum-memory", "32", "--set", "recommended.vCPUs.max=16", "tags.team=red"),
    );
    assert.equal(updated.properties.description, "backend image");
    assert.deepEqual(updated.properties.recommended, { vCPUs: { max: 16 }, memory: { max: 32 } });
    assert.deepEqual(updated.tags, { team: "red" });
    const shown = ok(await vitrine("sig", "image-definition", "show", ...gallery, "-i", "myImage1"));
    assert.equal(shown.properties.description, "backend image");

    for (const name of ["myImage1", "myImage2", "myImage3", "armImage"]) {
      const deleted = await vitrine("sig", "image-definition", "delete", ...gallery, "-i", name);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, "");
    }
    assert.equal((await vitrine("sig", "image-definition", "show", ...gallery, "-i", "myImage1")).code, 3);
    assert.deepEqual(ok(await vitrine("sig", "image-definition", "list", ...gallery)), []);
  });

  it("manages gallery applications, updating them with a PATCH", async () => {
    const created = ok(await vitrine("sig", "gallery-application", "create", ...gallery, "-n", "app1", "--os-type", "Windows", "--description", "tool", "--tags", "a=b"));
    assert.equal(created.name, "app1");
    assert.equal(created.properties.supportedOSType, "Windows");
    assert.equal(created.properties.description, "tool");
    assert.equal(created.location, "westus");

    const updated = ok(await vitrine("sig", "gallery-application", "update", ...gallery, "--application-name", "app1", "--description", "better tool", "--end-of-life-date", "2031-06-30"));
    assert.equal(updated.properties.description, "better tool");
    assert.equal(Date.parse(String(updated.properties.endOfLifeDate)), Date.parse("2031-06-30T12:59:59Z"));
    assert.equal(updated.properties.supportedOSType, "Windows", "PATCH keeps what it does not name");
    assert.deepEqual(updated.tags, { a: "b" });

    const shown = ok(await vitrine("sig", "gallery-application", "show", ...gallery, "--name", "app1"));
    assert.equal(shown.properties.description, "better tool");
    assert.deepEqual(ok<Resource[]>(await vitrine("sig", "gallery-application", "list", ...gallery)).map((a) => a.name), ["app1"]);

    const deleted = await vitrine("sig", "gallery-application", "delete", ...gallery, "-n", "app1");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await vitrine("sig", "gallery-application", "show", ...gallery, "-n", "app1")).code, 3);

    const unnamed = await vitrine("sig", "gallery-application", "show", ...gallery);
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr, /required option '-n, --name <name>'/);
  });

  it("administers tenants, subscriptions and service principals", async () => {
    const tenant = ok<Tenant>(await vitrine("admin", "tenant", "create", "--display-name", "Contoso"));
    assert.equal(tenant.displayName, "Contoso");
    assert.ok(ok<Tenant[]>(await vitrine("admin", "tenant", "list")).some((t) => t.id === tenant.id));

    const subscription = ok<Subscription>(await vitrine("admin", "subscription", "create", "--tenant", tenant.id, "--display-name", "Contoso Production"));
    assert.equal(subscription.tenantId, tenant.id);
    assert.deepEqual(ok<Subscription[]>(await vitrine("admin", "subscription", "list", "--tenant", tenant.id)).map((s) => s.id), [subscription.id]);
    assert.ok(ok<Subscription[]>(await vitrine("admin", "subscription", "list")).some((s) => s.id === server.connection.subscriptionId));

    const allowed = ok<Subscription>(await vitrine("admin", "subscription", "allow-region", "--subscription", subscription.id, "--region", "Australia Central"));
    assert.deepEqual(allowed.allowedRegions, ["australiacentral"]);

    const principal = ok<Principal>(await vitrine("admin", "sp", "create", "--tenant", tenant.id, "--display-name", "deployer"));
    assert.equal(principal.clientId, principal.appId);
    assert.equal(principal.tenantId, tenant.id);
    assert.equal(typeof principal.clientSecret, "string");
    const principals = ok<Principal[]>(await vitrine("admin", "sp", "list", "--tenant", tenant.id));
    assert.deepEqual(principals.map((p) => p.appId), [principal.appId]);
    assert.ok(principals.every((p) => p.clientSecret === undefined && p.secretHash === undefined), "lists never show secrets");

    const reset = ok<Principal>(await vitrine("admin", "sp", "reset-secret", "--tenant", tenant.id, "--app-id", principal.appId));
    assert.notEqual(reset.clientSecret, principal.clientSecret);

    // The new principal, named through the environment over connection.json, works in its own tenant's subscription once it owns it.
    ok(await vitrine("role", "assignment", "create", "--assignee", principal.objectId, "--role", "Owner", "--scope", `/subscriptions/${subscription.id}`));
    const as = (secret: string) => ({ AZURE_TENANT_ID: tenant.id, AZURE_CLIENT_ID: principal.appId, AZURE_CLIENT_SECRET: secret, AZURE_SUBSCRIPTION_ID: subscription.id });
    assert.deepEqual(ok(await runCli(["sig", "list", "--data-dir", dataDir], as(reset.clientSecret))), []);
    const stale = await runCli(["sig", "list", "--data-dir", dataDir], as(principal.clientSecret));
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /\(invalid_client\)/);
    const notAdmin = await runCli(["admin", "tenant", "list", "--data-dir", dataDir], as(reset.clientSecret));
    assert.equal(notAdmin.code, 1);

    const regions = await vitrine("admin", "regions");
    assert.equal(regions.code, 0, regions.stderr);
    assert.match(regions.stdout, /^Name +DisplayName +Restricted\n-+ +-+ +-+\n/);
    assert.match(regions.stdout, /\naustraliacentral +Australia Central +yes\n/);
    const regionsJson = ok<Region[]>(await vitrine("admin", "regions", "-o", "json"));
    assert.ok(regionsJson.some((r) => r.name === "westus" && !r.restricted));
  });

  it("finds the server from --connection and overrides the subscription with --subscription", async () => {
    const listed = ok<Resource[]>(await runCli(["sig", "list", "-g", "rg1", "--connection", server.connectionFile]));
    assert.deepEqual(listed.map((g) => g.name), ["gallery1"]);
    const elsewhere = await vitrine("sig", "show", ...gallery, "--subscription", "00000000-0000-0000-0000-000000000000");
    assert.equal(elsewhere.code, 3);
    assert.match(elsewhere.stderr, /\(SubscriptionNotFound\)/);

    const nowhere = await runCli(["sig", "list", "--data-dir", join(dataDir, "absent")]);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /No server to talk to/);
  });

  it("deletes the last gallery", async () => {
    const deleted = await vitrine("sig", "delete", ...gallery);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(ok(await vitrine("sig", "list")), []);
  });

  it("manages resource groups like az group", async () => {
    const shown = ok(await vitrine("group", "show", "-n", "RG1")) as Resource;
    assert.equal(shown.name, "rg1");
    assert.deepEqual(shown.tags, { team: "platform" });
    assert.equal(ok(await vitrine("group", "exists", "-n", "rg1")), true);
    ok(await vitrine("group", "create", "-n", "rg2", "-l", "eastus"));
    assert.deepEqual((ok(await vitrine("group", "list")) as Resource[]).map((g) => g.name).sort(), ["rg1", "rg2"]);
    const deleted = await vitrine("group", "delete", "-n", "rg2", "--yes");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(ok(await vitrine("group", "exists", "-n", "rg2")), false);
    assert.equal((await vitrine("group", "show", "-n", "rg2")).code, 3);
  });
});
