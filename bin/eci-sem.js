#!/usr/bin/env node
'use strict';
// The CLI is bundled by esbuild into dist/cli.js (npm run build).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write('eci-sem: dist/cli.js is missing; run "npm run build" in the eci-sem folder first\n');
  process.exit(2);
}
require(bundle);
