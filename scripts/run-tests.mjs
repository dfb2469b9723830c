#!/usr/bin/env node
// Runs the node:test suites with tsx. Node 20's --test takes no globs, so the files are found here.
//   node scripts/run-tests.mjs            unit + integration tests (everything under test/ but test/e2e)
//   node scripts/run-tests.mjs --e2e      the real-VS-Code suites (test/e2e/*.test.ts; needs scripts/e2e-setup.sh)
//   node scripts/run-tests.mjs FILE…      just these files
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
const explicit = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures') walk(p, out);
    } else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files;
if (explicit.length) files = explicit;
else if (e2e) files = readdirSync(join(root, 'test/e2e')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/e2e/${f}`);
else files = walk(join(root, 'test')).filter((f) => !f.startsWith('test/e2e/'));
files.sort();

const env = { ...process.env, ...(e2e ? { AOP_E2E: '1' } : {}) };
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
