#!/usr/bin/env node
// Launcher: the CLI is compiled to dist/ by `npm run build` (run by `prepare` on install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('vigil: not built yet; run `npm install` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
await import(entry.href);
