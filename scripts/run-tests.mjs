#!/usr/bin/env node
// Runs the node:test suites with tsx. Node 20's --test takes no globs, so the files are found here.
//   node scripts/run-tests.mjs            unit + integration tests (everything under test/ but test/e2e)
//   node scripts/run-tests.mjs --e2e      the real-VS-Code suites (every test/e2e/**/*.test.ts)
//   node scripts/run-tests.mjs --e2e --setup   the same, after scripts/e2e-setup.sh (what `npm run test:e2e` does)
//   node scripts/run-tests.mjs FILE…      just these files (AOP_E2E=1 is set when one is under test/e2e/)
//
// e2e tests never pass by skipping: when the tools (code-server, Node 24, Chromium) are missing the
// run FAILS, unless skipping was asked for with AOP_E2E_SKIP=1; then every e2e test is reported as
// skipped with the reason, and the summary says so loudly. Any skipped test is counted and named.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
const setup = args.includes('--setup');
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
else if (e2e) files = walk(join(root, 'test/e2e'));
else files = walk(join(root, 'test')).filter((f) => !f.startsWith('test/e2e/'));
files.sort();
const hasE2e = files.some((f) => f.replace(/^\.\//, '').startsWith('test/e2e/'));

// Where the e2e tools live: the same paths as test/e2e/harness.ts (toolsAvailable()).
const TOOLS = process.env.AOP_E2E_TOOLS || join(homedir(), '.cache', 'aop-e2e');
const needed = [
  join(TOOLS, 'node24', 'node_modules', '.bin', 'node'),
  join(TOOLS, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  process.env.AOP_E2E_CHROMIUM || '/usr/bin/chromium',
];
const skipAsked = process.env.AOP_E2E_SKIP === '1';
const banner = (lines) => {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${bar}\n`);
};

const env = { ...process.env };
if (hasE2e) {
  env.AOP_E2E = '1';
  if (setup && !skipAsked) {
    const s = spawnSync('bash', [join(root, 'scripts/e2e-setup.sh')], { cwd: root, stdio: 'inherit', env: process.env });
    if (s.status !== 0) {
      banner([`e2e setup failed (scripts/e2e-setup.sh exited ${s.status}).`, 'Set AOP_E2E_SKIP=1 to skip the e2e tests explicitly.']);
      process.exit(1);
    }
  }
  const missing = needed.filter((p) => !existsSync(p));
  if (skipAsked) {
    env.AOP_E2E_SKIP_REASON = missing.length
      ? `AOP_E2E_SKIP=1 and e2e tools missing (${missing.join(', ')})`
      : 'AOP_E2E_SKIP=1';
  } else if (missing.length) {
    banner([
      'e2e tools missing — the e2e tests cannot run, so this run FAILS:',
      ...missing.map((m) => `  ${m}`),
      'Install them with scripts/e2e-setup.sh, or set AOP_E2E_SKIP=1 to skip them explicitly.',
    ]);
    process.exit(1);
  }
}

// The e2e files install the same .vsix: build and package it once for the whole run
// (test/e2e/project.ts packageVsix() returns $AOP_E2E_VSIX when it is set).
let vsixDir;
if (hasE2e && !skipAsked && !env.AOP_E2E_VSIX) {
  vsixDir = mkdtempSync(join(tmpdir(), 'aop-e2e-vsix-'));
  const vsix = join(vsixDir, 'aop-agents.vsix');
  const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
  const pack = build.status === 0
    ? spawnSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', vsix], { cwd: root, stdio: 'inherit' })
    : build;
  if (pack.status !== 0) {
    banner(['Building or packaging the .vsix for the e2e tests failed (see above).']);
    process.exit(1);
  }
  env.AOP_E2E_VSIX = vsix;
}

// Two reporters: the usual spec output on the terminal, and TAP in a file to count skips.
const tapDir = mkdtempSync(join(tmpdir(), 'aop-run-tests-'));
const tap = join(tapDir, 'run.tap');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files],
  { cwd: root, stdio: 'inherit', env },
);
let status = r.status ?? 1;
const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
rmSync(tapDir, { recursive: true, force: true });
if (vsixDir) rmSync(vsixDir, { recursive: true, force: true });
// Skipped tests: "ok N - name # SKIP reason" (any nesting level).
const skipped = [...text.matchAll(/^\s*ok \d+ - (.*?) # SKIP ?(.*)$/gm)].map((m) => ({ name: m[1], reason: m[2] }));
if (skipped.length) {
  const reasons = [...new Set(skipped.map((s) => s.reason || '(no reason given)'))];
  banner([
    `${skipped.length} ${hasE2e ? 'e2e ' : ''}test${skipped.length === 1 ? '' : 's'} SKIPPED: ${reasons.join('; ')}`,
    ...skipped.slice(0, 40).map((s) => `  - ${s.name}`),
    ...(skipped.length > 40 ? [`  … and ${skipped.length - 40} more`] : []),
  ]);
  // An e2e test may skip only when skipping was asked for.
  if (hasE2e && !skipAsked && status === 0) {
    console.error('e2e tests were skipped without AOP_E2E_SKIP=1: failing the run.');
    status = 1;
  }
}
process.exit(status);
