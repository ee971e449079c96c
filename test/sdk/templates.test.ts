// Template deployments through the real SDK (@azure/arm-resources 6.1's deployments client, the
// last line that has one): the quickstart-shaped gallery template end to end, a copy loop, a
// failing resource that stops its dependant, a type Vitrine does not serve, and the refusals
// validation makes before anything is deployed.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ResourceManagementClient as DeploymentsClient, type Deployment } from "@azure/arm-resources-6";
import { sdkClients } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-templates";
type Json = Record<string, unknown>;

const fixture = (name: string): Json => JSON.parse(readFileSync(`test/fixtures/templates/${name}`, "utf8")) as Json;

describe("template deployments through the SDK", () => {
  let server: TestServer;
  let clients: ReturnType<typeof sdkClients>;
  let deployments: DeploymentsClient;

  /** The error code and message a promise rejects with. */
  const refusal = async (promise: Promise<unknown>): Promise<{ code: string; message: string }> => {
    try {
      await promise;
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      return { code: code ?? "", message };
    }
    assert.fail("expected a refusal");
  };
  const deploy = (name: string, template: Json, parameters: Record<string, { value: unknown }> = {}) =>
    deployments.deployments.beginCreateOrUpdateAndWait(RG, name, { properties: { mode: "Incremental", template, parameters } } satisfies Deployment);
  const validate = (template: Json, parameters: Record<string, { value: unknown }> = {}) => deployments.deployments.beginValidateAndWait(RG, "check", { properties: { mode: "Incremental", template, parameters } });

  before(async () => {
    server = await startTestServer();
    clients = sdkClients(server.connection);
    const { credential } = clients;
    const { endpoint } = server.connection;
    deployments = new DeploymentsClient(credential, server.connection.subscriptionId, { endpoint, $host: endpoint, credentialScopes: [`${endpoint}/.default`] });
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: "westus" });
  });
  after(async () => {
    await server?.close();
  });

  it("deploys the quickstart: gallery, definition, empty disk, managed image and version, with outputs", async () => {
    const result = await deploy("quickstart", fixture("gallery-quickstart.json"), { galleryName: { value: "qsGallery" }, minVCPUs: { value: "2" } });
    assert.equal(result.properties?.provisioningState, "Succeeded");
    const sub = server.connection.subscriptionId;
    const outputs = result.properties?.outputs as Record<string, { type: string; value: unknown }>;
    assert.deepEqual(outputs.galleryId, { type: "String", value: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/qsGallery` });
    assert.equal(outputs.publisher?.value, "contoso");
    assert.equal(outputs.versionState?.value, "Succeeded");
    assert.deepEqual(outputs.imageSizeGB, { type: "Int", value: 1 });
    assert.match(String(outputs.uniqueName?.value), /^gal[a-z2-7]{13}$/);
    assert.deepEqual(result.properties?.parameters?.minVCPUs, { type: "Int", value: 2 }, "an int parameter given as a string is converted");

    const definition = await clients.compute.galleryImages.get(RG, "qsGallery", "ubuntu-server");
    assert.deepEqual(definition.recommended, { vCPUs: { min: 2, max: 8 }, memory: { min: 1, max: 32 } }, "numbers written as strings are integers");
    assert.equal(definition.hyperVGeneration, "V2");
    assert.equal(definition.endOfLifeDate?.toISOString(), "2099-12-31T00:00:00.000Z");
    const gallery = await clients.compute.galleries.get(RG, "qsGallery");
    assert.equal(gallery.description, `Gallery of ${RG}`);
    assert.equal(`gal${gallery.tags?.suffix}`, outputs.uniqueName?.value);
    const version = await clients.compute.galleryImageVersions.get(RG, "qsGallery", "ubuntu-server", "1.0.0");
    assert.equal(version.provisioningState, "Succeeded");
    assert.match(version.storageProfile?.source?.id ?? "", /\/images\/ubuntu-server-image$/);

    const operations = [];
    for await (const operation of deployments.deploymentOperations.list(RG, "quickstart")) operations.push(operation);
    assert.equal(operations.length, 5);
    assert.ok(operations.every((o) => o.properties?.provisioningState === "Succeeded"));
    assert.deepEqual(operations.map((o) => o.properties?.targetResource?.resourceType).sort(), [
      "Microsoft.Compute/disks",
      "Microsoft.Compute/galleries",
      "Microsoft.Compute/galleries/images",
      "Microsoft.Compute/galleries/images/versions",
      "Microsoft.Compute/images",
    ]);
    const shown = await deployments.deployments.get(RG, "quickstart");
    assert.equal(shown.properties?.provisioningState, "Succeeded");
    assert.equal(shown.properties?.outputResources?.length, 5);
    const listed = [];
    for await (const d of deployments.deployments.listByResourceGroup(RG)) listed.push(d.name);
    assert.ok(listed.includes("quickstart"));
  });

  it("creates three definitions with a copy loop, each after its gallery", async () => {
    const result = await deploy("loop", fixture("definitions-loop.json"), { galleryName: { value: "loopGallery" } });
    assert.equal(result.properties?.provisioningState, "Succeeded");
    const names = [];
    for await (const image of clients.compute.galleryImages.listByGallery(RG, "loopGallery")) names.push(`${image.name}:${image.identifier?.sku}`);
    assert.deepEqual(names.sort(), ["def-1:sku-0", "def-2:sku-1", "def-3:sku-2"]);
    assert.deepEqual((result.properties?.outputs as Json).names, { type: "Array", value: ["def-1", "def-2", "def-3"] });
  });

  it("stops what depends on a failed resource, reports the provider's error, and finishes the rest", async () => {
    const template = {
      resources: [
        { type: "Microsoft.Compute/galleries", apiVersion: "2022-03-03", name: "failGallery", location: "westus" },
        { type: "Microsoft.Compute/galleries/images", apiVersion: "2022-03-03", name: "failGallery/bad", location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "P", offer: "O", sku: "S" }, recommended: { vCPUs: { min: 8, max: 2 } } } },
        { type: "Microsoft.Compute/galleries/images/versions", apiVersion: "2022-03-03", name: "failGallery/bad/1.0.0", location: "westus", dependsOn: ["failGallery/bad"], properties: { storageProfile: {} } },
        { type: "Microsoft.Compute/disks", apiVersion: "2023-04-02", name: "independent", location: "westus", properties: { creationData: { createOption: "Empty" }, diskSizeGB: 1 } },
      ],
    };
    assert.match((await refusal(deploy("failing", template))).message, /DeploymentFailed/);
    const shown = await deployments.deployments.get(RG, "failing");
    assert.equal(shown.properties?.provisioningState, "Failed");
    assert.equal(shown.properties?.error?.details?.[0]?.code, "InvalidParameter");
    const operations = [];
    for await (const operation of deployments.deploymentOperations.list(RG, "failing")) operations.push(operation.properties);
    const byName = new Map(operations.map((o) => [o?.targetResource?.resourceName, o]));
    assert.equal(byName.get("failGallery/bad")?.provisioningState, "Failed");
    assert.equal(byName.get("failGallery/bad")?.statusCode, "BadRequest");
    assert.match(JSON.stringify(byName.get("failGallery/bad")?.statusMessage), /InvalidParameter.*recommended\.vCPUs/);
    assert.equal(byName.has("failGallery/bad/1.0.0"), false, "the version never ran");
    assert.equal(byName.get("independent")?.provisioningState, "Succeeded");
    assert.equal((await clients.compute.disks.get(RG, "independent")).diskSizeGB, 1);
  });

  it("deploys a snapshot, a gallery application and a role assignment scoped to a gallery", async () => {
    const template = {
      parameters: { readerId: { type: "string" } },
      variables: { reader: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]" },
      resources: [
        { type: "Microsoft.Compute/galleries", apiVersion: "2022-03-03", name: "shared", location: "westus" },
        { type: "Microsoft.Compute/galleries/applications", apiVersion: "2022-03-03", name: "shared/tool", location: "westus", dependsOn: ["[resourceId('Microsoft.Compute/galleries', 'shared')]"], properties: { supportedOSType: "Linux" } },
        { type: "Microsoft.Compute/disks", apiVersion: "2024-03-02", name: "data", location: "westus", properties: { creationData: { createOption: "Empty" }, diskSizeGB: 1 } },
        { type: "Microsoft.Compute/snapshots", apiVersion: "2024-03-02", name: "data-snap", location: "westus", dependsOn: ["data"], properties: { creationData: { createOption: "Copy", sourceResourceId: "[resourceId('Microsoft.Compute/disks', 'data')]" } } },
        {
          type: "Microsoft.Authorization/roleAssignments",
          apiVersion: "2022-04-01",
          name: "[guid(resourceGroup().id, parameters('readerId'), 'shared')]",
          scope: "[format('Microsoft.Compute/galleries/{0}', 'shared')]",
          dependsOn: ["shared"],
          properties: { roleDefinitionId: "[variables('reader')]", principalId: "[parameters('readerId')]" },
        },
      ],
    };
    const adminObjectId = JSON.parse(Buffer.from((await clients.credential.getToken(`${server.connection.endpoint}/.default`)).token.split(".")[1] ?? "", "base64url").toString()).oid as string;
    const result = await deploy("extras", template, { readerId: { value: adminObjectId } });
    assert.equal(result.properties?.provisioningState, "Succeeded");
    assert.equal((await clients.compute.galleryApplications.get(RG, "shared", "tool")).supportedOSType, "Linux");
    assert.equal((await clients.compute.snapshots.get(RG, "data-snap")).diskSizeGB, 1);
    const galleryId = `/subscriptions/${server.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/shared`;
    const listed = await fetch(`${server.connection.endpoint}${galleryId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()`, {
      headers: { authorization: `Bearer ${(await clients.credential.getToken(`${server.connection.endpoint}/.default`)).token}` },
    });
    const assignments = ((await listed.json()) as { value: Array<{ properties: { scope: string; principalId: string } }> }).value;
    assert.ok(assignments.some((a) => a.properties.scope === galleryId && a.properties.principalId === adminObjectId), "the role assignment was made at the gallery");
  });

  it("fails the operation of a type it does not serve, naming the type", async () => {
    const template = { resources: [{ type: "Microsoft.Storage/storageAccounts", apiVersion: "2023-01-01", name: "store1", location: "westus", sku: { name: "Standard_LRS" }, kind: "StorageV2" }] };
    assert.match((await refusal(deploy("unserved", template))).message, /DeploymentFailed/);
    const shown = await deployments.deployments.get(RG, "unserved");
    assert.equal(shown.properties?.error?.details?.[0]?.code, "InvalidResourceType");
    assert.match(shown.properties?.error?.details?.[0]?.message ?? "", /'Microsoft\.Storage\/storageAccounts'/);
  });

  it("refuses at validation, naming where: unknown function, bad expression, missing parameter, cycle", async () => {
    const gallery = (extra: Json = {}) => ({ type: "Microsoft.Compute/galleries", apiVersion: "2022-03-03", name: "g", location: "westus", ...extra });
    const cases: [Json, Record<string, { value: unknown }>, RegExp][] = [
      [{ resources: [gallery({ properties: { description: "[noSuchFunction('x')]" } })] }, {}, /'noSuchFunction' is not valid.*resources\[0\]\.properties\.description/],
      [{ resources: [gallery({ name: "[concat('a', 'b']" })] }, {}, /Expected '\)'.*resources\[0\]\.name/],
      [{ parameters: { galleryName: { type: "string" } }, resources: [gallery({ name: "[parameters('galleryName')]" })] }, {}, /parameter 'galleryName' is not provided.*parameters\.galleryName/],
      [{ resources: [gallery({ name: "a", dependsOn: ["b"] }), gallery({ name: "b", dependsOn: ["a"] })] }, {}, /Circular dependency.*galleries\/a/],
      [{ resources: [gallery({ dependsOn: ["missing"] })] }, {}, /'missing' is not defined in the template.*dependsOn\[0\]/],
      [{ parameters: { n: { type: "int", maxValue: 3 } }, resources: [] }, { n: { value: 4 } }, /greater than the maximum value '3'.*parameters\.n/],
      [{ parameters: { os: { type: "string", allowedValues: ["Linux"] } }, resources: [] }, { os: { value: "Windows" } }, /not part of the allowed value.*parameters\.os/],
    ];
    for (const [template, parameters, expected] of cases) {
      const refused = await refusal(validate(template, parameters));
      assert.equal(refused.code, "InvalidTemplate", refused.message);
      assert.match(refused.message, expected);
    }
    const refusedPut = await refusal(deploy("never", cases[0]?.[0] as Json));
    assert.equal(refusedPut.code, "InvalidTemplate", "a PUT is refused the same way, before it starts");
    assert.equal((await refusal(deployments.deployments.get(RG, "never"))).code, "DeploymentNotFound");

    const valid = await validate(fixture("definitions-loop.json"), { galleryName: { value: "v" } });
    assert.equal(valid.properties?.provisioningState, "Succeeded");
    assert.equal(valid.properties?.validatedResources?.length, 4);
  });

  it("deletes a deployment's history, not what it deployed", async () => {
    await deployments.deployments.beginDeleteAndWait(RG, "loop");
    assert.equal((await refusal(deployments.deployments.get(RG, "loop"))).code, "DeploymentNotFound");
    assert.equal((await clients.compute.galleries.get(RG, "loopGallery")).name, "loopGallery");
  });
});
