#!/usr/bin/env node
// Runs every compiled test file with node's test runner. Node 20's `--test` takes no globs, so
// the files are listed here. Pass tiers to narrow the run: `node scripts/run-tests.mjs unit api`,
// or compiled test files: `node scripts/run-tests.mjs dist/test/cli/az.test.js`.
// Every folder of dist/test is a tier, e2e (the portal in Chromium) included; a tier whose tools
// are missing skips its tests with the reason (e.g. no /usr/bin/chromium).
//
// Clients trust a server's CA the way users make them: NODE_EXTRA_CA_CERTS (Node, read once at
// process start) and REQUESTS_CA_BUNDLE (az). So one test CA is made here, before the test
// processes start, and test servers issue their certificates from it (test/support/server.ts).
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { ensureTlsMaterial } from "../dist/src/identity/certificates.js";

const root = "dist/test";
const tiers = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.js")) files.push(path);
  }
};
for (const tier of tiers.length ? tiers : readdirSync(root).sort()) {
  if (tier.endsWith(".test.js")) {
    files.push(tier);
    continue;
  }
  const dir = join(root, tier);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) walk(dir);
}

const caDir = resolve(mkdtempSync(join(tmpdir(), "vitrine-test-ca-")));
const tls = await ensureTlsMaterial(caDir);
const env = { ...process.env, VITRINE_TEST_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: tls.caCertFile, REQUESTS_CA_BUNDLE: tls.caCertFile };
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit", env });
process.exit(result.status ?? 1);
