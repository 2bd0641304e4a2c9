// Runs the node:test suites under the given folders through tsx. Node 20's test
// runner does not expand globs itself, and a shell glob over an empty folder
// would be passed through literally, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
const files = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(d, f)) : []));
if (files.length === 0) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const tsx = join('node_modules', '.bin', 'tsx');
const result = spawnSync(tsx, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
