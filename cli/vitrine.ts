#!/usr/bin/env node
// `vitrine`: the server (`serve`), client set-up (`env`), administration (`admin ...`) and the
// gallery commands mirroring `az sig` (`sig ...`). Everything but `serve` talks HTTPS to a server.

import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
