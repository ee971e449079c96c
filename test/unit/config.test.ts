import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, configFromEnvironment, publicUrlFor, resolveConfig } from "../../src/config.js";

describe("configuration", () => {
  it("has documented defaults", () => {
    const config = resolveConfig();
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 8443);
    assert.match(config.dataDir, /\.vitrine$/);
    assert.equal(config.databaseUrl, `sqlite:${config.dataDir}/metadata.db`);
    assert.deepEqual(config.limits, { galleries: 100, galleryImages: 1000, galleryImageVersions: 10000, galleryApplications: 1000, galleryApplicationVersions: 10000, applicationPackageMiB: 2048, imageDiskGiB: 1024 });
    assert.equal(publicUrlFor(config, 8443), "https://127.0.0.1:8443");
  });

  it("later sources win, limits merge key by key", () => {
    const config = resolveConfig({ port: 1, limits: { galleries: 5, galleryImages: 6 } }, configFromEnvironment({ VITRINE_PORT: "2", VITRINE_LIMIT_GALLERIES: "7" }), { port: "3" });
    assert.equal(config.port, 3);
    assert.equal(config.limits.galleries, 7);
    assert.equal(config.limits.galleryImages, 6);
  });

  it("derives the public URL from the listening address unless set", () => {
    assert.equal(publicUrlFor(resolveConfig({ host: "0.0.0.0" }), 9000), "https://localhost:9000");
    assert.equal(publicUrlFor(resolveConfig({ publicUrl: "https://gallery.example.com/" }), 9000), "https://gallery.example.com");
  });

  it("refuses bad values, naming them", () => {
    assert.throws(() => resolveConfig({ port: 70000 }), ConfigError);
    assert.throws(() => resolveConfig({ pageSize: "many" }), /pageSize must be an integer/);
    assert.throws(() => resolveConfig({ limits: { nope: 1 } as never }), /Unknown limit 'nope'/);
    assert.throws(() => resolveConfig({ logLevel: "loud" }), /logLevel must be one of/);
  });

  it("reads each configured region's storage targets, by canonical region name, and refuses bad ones", () => {
    const targets = [
      { id: "ssd-a", zone: 1, class: "premium" },
      { id: "hdd-a", zone: 1, class: "standard" },
    ];
    const config = resolveConfig({ regionStorage: { "West US": { targets } } });
    assert.deepEqual(config.regionStorage, {
      westus: { region: "westus", targets: [{ id: "ssd-a", zone: 1, storageClass: "premium" }, { id: "hdd-a", zone: 1, storageClass: "standard" }] },
    });
    assert.deepEqual(resolveConfig().regionStorage, {});
    assert.throws(() => resolveConfig({ regionStorage: { atlantis: { targets } } }), /'atlantis' is not a region/);
    assert.throws(() => resolveConfig({ regionStorage: { westus: { targets: [] } } }), /non-empty array/);
    assert.throws(() => resolveConfig({ regionStorage: { westus: { targets: [targets[0], targets[0]] } } }), /'ssd-a' is used twice/);
    assert.throws(() => resolveConfig({ regionStorage: { westus: { targets: [{ id: "a", zone: 4, class: "standard" }] } } }), /zone must be 1, 2 or 3/);
    assert.throws(() => resolveConfig({ regionStorage: { westus: { targets: [{ id: "a", zone: 1, class: "fast" }] } } }), /class must be "standard" or "premium"/);
    assert.throws(() => resolveConfig({ regionStorage: { westus: { targets: [{ id: "../etc", zone: 1, class: "standard" }] } } }), /id must be lower-case/);
  });

  it("merges a price table over the default one, and refuses bad prices", () => {
    const prices = resolveConfig({ prices: { currency: "EUR", storagePerGiBMonth: { Premium_LRS: 0.2 }, egressPerGiB: 0 } }).prices;
    assert.deepEqual(prices, { currency: "EUR", storagePerGiBMonth: { Standard_LRS: 0.05, Standard_ZRS: 0.0625, Premium_LRS: 0.2 }, egressPerGiB: 0 });
    assert.throws(() => resolveConfig({ prices: { egressPerGiB: -1 } }), /prices.egressPerGiB must be a number of at least 0/);
    assert.throws(() => resolveConfig({ prices: { storagePerGiBMonth: { Archive: 1 } } }), /the storage types are/);
    assert.throws(() => resolveConfig({ prices: { currency: "euro" } }), /three-letter code/);
  });
});
