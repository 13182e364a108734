#!/usr/bin/env node
// The `plateau` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/main/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("plateau: dist/ is missing; run `npm install` (or `npm run build`) in the Plateau directory first\n");
  process.exit(1);
}
await import(entry.href);
