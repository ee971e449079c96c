// The `driver` settings of storage targets: validated once, with errors that name the setting,
// and credentials that never show when the configuration is printed or serialised.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ConfigError, resolveConfig, type ConfigInput } from "../../src/config.js";

const KEY = "c2VjcmV0LWFjY291bnQta2V5";
const SECRET = "s3-secret-access-key";
const azure = { id: "a", zone: 1, class: "standard", driver: "azure-blob", accountUrl: "https://acct.blob.core.windows.net/", container: "replicas", accountKey: KEY };
const s3 = { id: "b", zone: 2, class: "standard", driver: "s3", endpoint: "https://s3.example.com", bucket: "replicas", region: "eu-west-1", accessKeyId: "AKID", secretAccessKey: SECRET };
const withTargets = (...targets: object[]): ConfigInput => ({ regionStorage: { westus: { targets } } });

describe("storage target drivers", () => {
  it("keeps directories as the default, and object stores by region and target", () => {
    const config = resolveConfig(withTargets({ id: "d", zone: 3, class: "premium" }, { id: "e", zone: 3, class: "standard", driver: "fs" }, azure, s3));
    assert.deepEqual(Object.keys(config.targetDrivers.westus ?? {}), ["a", "b"]);
    assert.equal(config.targetDrivers.westus?.a?.driver, "azure-blob");
    assert.equal(config.targetDrivers.westus?.a?.driver === "azure-blob" && config.targetDrivers.westus.a.accountUrl, "https://acct.blob.core.windows.net");
    assert.equal(config.targetDrivers.westus?.b?.driver === "s3" && config.targetDrivers.westus.b.forcePathStyle, true);
    assert.deepEqual(config.regionStorage.westus?.targets.map((target) => target.id), ["d", "e", "a", "b"]);
  });

  it("never shows a key, a SAS or a secret access key", () => {
    const config = resolveConfig(withTargets(azure, s3, { ...azure, id: "c", container: "other", accountKey: undefined, sas: "?sv=2024&sig=SASSIGNATURE" }));
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.targetDrivers.westus?.a?.driver === "azure-blob" && config.targetDrivers.westus.a.accountKey)]) {
      for (const secret of [KEY, SECRET, "SASSIGNATURE"]) assert.ok(!shown.includes(secret), `${secret} in ${shown}`);
    }
  });

  it("refuses bad driver settings, naming them and not their secrets", () => {
    const refused = (input: ConfigInput, message: RegExp) => {
      const error = (() => {
        try {
          resolveConfig(input);
        } catch (caught) {
          return caught;
        }
        return assert.fail("expected a ConfigError");
      })();
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, message);
      assert.ok(!error.message.includes(KEY) && !error.message.includes(SECRET), error.message);
    };
    refused(withTargets({ ...azure, driver: "gcs" }), /targets\[0\]\.driver must be "fs", "azure-blob" or "s3"/);
    refused(withTargets({ ...azure, sas: "sv=1" }), /exactly one of accountKey and sas/);
    refused(withTargets({ ...azure, accountKey: undefined }), /exactly one of accountKey and sas/);
    refused(withTargets({ ...azure, container: "Bad_Name" }), /container must be an Azure container name/);
    refused(withTargets({ ...azure, accountUrl: `https://acct.blob.core.windows.net/?sig=${KEY}` }), /accountUrl must not carry credentials/);
    refused(withTargets({ ...s3, secretAccessKey: "" }), /secretAccessKey must be a non-empty string for the s3 driver/);
    refused(withTargets({ ...s3, endpoint: "ftp://x" }), /endpoint must be an http\(s\) URL/);
    refused(withTargets({ ...s3, accountKey: KEY }), /unknown setting\(s\) accountKey for the s3 driver/);
    refused(withTargets({ id: "d", zone: 1, class: "standard", bucket: "x" }), /unknown setting\(s\) bucket for the fs driver/);
    refused({ regionStorage: { westus: { targets: [azure] }, eastus: { targets: [{ ...azure, accountUrl: "https://acct.blob.core.windows.net" }] } } }, /use the same container/);
  });
});
