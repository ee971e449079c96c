import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newSecret } from "../../src/identity/directory.js";

describe("client secrets", () => {
  it("are 40 URL-safe characters that a command line never takes for an option", () => {
    // One secret in 64 would start with "-" if nothing prevented it; 2,000 draws make a miss
    // vanishingly unlikely.
    for (let i = 0; i < 2000; i++) {
      const secret = newSecret();
      assert.match(secret, /^[A-Za-z0-9_][A-Za-z0-9_-]{39}$/);
    }
  });
});
