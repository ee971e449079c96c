#!/usr/bin/env node
// Writes docs/cli.md from the command tree itself, so the reference is --help, verbatim.
// `npm run docs:cli` after changing a command; a test fails while the page is stale.
import { writeFileSync } from "node:fs";
import { renderCliReference } from "../dist/cli/reference.js";

writeFileSync("docs/cli.md", renderCliReference());
