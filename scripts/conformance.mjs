#!/usr/bin/env node
// The official MCP conformance suite (@modelcontextprotocol/conformance) against `aop serve` (server
// scenarios) and our cluster client (client scenarios, through src/cli/conformance-client.ts).
//
//   node scripts/conformance.mjs            setup (idempotent) + run; exit 1 when an applicable check fails
//   node scripts/conformance.mjs --setup    only install the tools
//
// The suite needs Node >= 22: Node 24 comes from the npm package "node" (no change to the machine's
// Node), installed like scripts/e2e-setup.sh does, into ${AOP_E2E_TOOLS:-~/.cache/aop-e2e}:
//   $TOOLS/node24        Node 24            $TOOLS/conformance   @modelcontextprotocol/conformance
// Needs dist/cli.js (npm run build). Results: $AOP_CONFORMANCE_OUT (default a temp dir), and a summary on stdout.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const TOOLS = process.env.AOP_E2E_TOOLS || join(homedir(), '.cache', 'aop-e2e');
const NODE_MAJOR = 24;
const CONFORMANCE_VERSION = process.env.AOP_CONFORMANCE_VERSION || '0.1.16';
const NODE24 = join(TOOLS, 'node24', 'node_modules', '.bin', 'node');
const CONF_DIR = join(TOOLS, 'conformance');
const CONF_BIN = join(CONF_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** Server scenarios that apply to a tools-only AOP server. */
export const SERVER_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-error',
  'server-sse-polling',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
/** Client scenarios that apply to the cluster client: the core ones and MCP authorization (OAuth 2.1). */
export const CLIENT_SCENARIOS = [
  'initialize',
  'tools_call',
  'sse-retry',
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  // draft: the client refuses metadata whose resource names another server; refresh-token guidance (SEP-2207)
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
];

/** The environment without the outer npm's settings (npm run sets npm_config_user_agent etc.; a nested install must read its own). */
function cleanNpmEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(config|package|lifecycle)_/i.test(k) || ['npm_execpath', 'npm_node_execpath', 'npm_command', 'INIT_CWD'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

function npmInstall(prefix, spec, withNode24) {
  mkdirSync(prefix, { recursive: true });
  const clean = cleanNpmEnv();
  const env = withNode24 ? { ...clean, PATH: `${join(TOOLS, 'node24', 'node_modules', '.bin')}:${clean.PATH}` } : clean;
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', spec], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`npm install ${spec} failed`);
}

export function setup() {
  const t0 = Date.now();
  const nodeMarker = join(TOOLS, 'node24', `.installed-${NODE_MAJOR}`);
  if (!(existsSync(nodeMarker) && existsSync(NODE24))) {
    console.log(`==> installing node@${NODE_MAJOR} into ${TOOLS}/node24`);
    npmInstall(join(TOOLS, 'node24'), `node@${NODE_MAJOR}`, false);
    writeFileSync(nodeMarker, '');
  }
  const confMarker = join(CONF_DIR, `.installed-${CONFORMANCE_VERSION}`);
  if (!(existsSync(confMarker) && existsSync(CONF_BIN))) {
    console.log(`==> installing @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} into ${CONF_DIR}`);
    npmInstall(CONF_DIR, `@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}`, true);
    writeFileSync(confMarker, '');
  }
  const v = spawnSync(NODE24, ['-v'], { encoding: 'utf8' }).stdout.trim();
  console.log(`==> conformance tools ready (node ${v}, suite ${CONFORMANCE_VERSION}; ${Date.now() - t0} ms)`);
}

/** Starts `aop serve` on the conformance fixture agents; resolves with its URL. */
async function startAopServe(tracesDir) {
  const cli = join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  const child = spawn(
    process.execPath,
    [cli, 'serve', join(root, 'test/reliability/fixtures/conformance-agents'), '--port', '0', '--no-watch', '--traces-dir', tracesDir],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AOP_TOKEN: '' } },
  );
  let err = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aop serve did not start:\n${err}`)), 20_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c) => {
      err += c;
      const m = /serving \d+ agents at (http:\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`aop serve exited with ${code}:\n${err}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** The checks.json of a scenario; `auth/x` results are in `<outDir>/auth/x-<time>/`. */
function readChecks(outDir, prefix) {
  const slash = prefix.lastIndexOf('/');
  const base = slash < 0 ? outDir : join(outDir, prefix.slice(0, slash));
  const name = prefix.slice(slash + 1);
  if (!existsSync(base)) return undefined;
  const dir = readdirSync(base).find((d) => d.startsWith(name));
  if (!dir) return undefined;
  return JSON.parse(readFileSync(join(base, dir, 'checks.json'), 'utf8'));
}

async function runScenario(kind, scenario, target, outDir) {
  const args =
    kind === 'server'
      ? [CONF_BIN, 'server', '--url', target, '--scenario', scenario, '-o', outDir]
      : [CONF_BIN, 'client', '--command', target, '--scenario', scenario, '--timeout', '60000', '-o', outDir];
  const t0 = Date.now();
  const r = await new Promise((resolve) => {
    const child = spawn(NODE24, args, { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
  const checks = readChecks(outDir, kind === 'server' ? `server-${scenario}-` : `${scenario}-`) ?? [];
  const failures = checks.filter((c) => c.status === 'FAILURE');
  const passed = checks.filter((c) => c.status === 'SUCCESS').length;
  const warnings = checks.filter((c) => c.status === 'WARNING');
  const ok = r.status === 0 && failures.length === 0 && checks.length > 0;
  return { kind, scenario, ok, passed, failures, warnings, checks: checks.length, ms: Date.now() - t0, output: r.output };
}

/** Runs `jobs` (functions returning promises) `width` at a time; results in the order of `jobs`. */
async function pool(jobs, width) {
  const out = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

export async function run() {
  setup();
  const outDir = process.env.AOP_CONFORMANCE_OUT || mkdtempSync(join(tmpdir(), 'aop-conformance-'));
  mkdirSync(outDir, { recursive: true });
  const tracesDir = mkdtempSync(join(tmpdir(), 'aop-conformance-traces-'));
  const results = [];
  const server = await startAopServe(tracesDir);
  try {
    for (const s of SERVER_SCENARIOS) results.push(await runScenario('server', s, server.url, outDir));
  } finally {
    server.stop();
  }
  // The client under test: our cluster client, bundled once with esbuild and run with the machine's
  // Node (starting it through tsx cost seconds per scenario on a loaded machine).
  const { build } = await import('esbuild');
  const clientJs = join(tracesDir, 'conformance-client.js');
  await build({
    entryPoints: [join(root, 'src/cli/conformance-client.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: clientJs,
    logLevel: 'warning',
  });
  const command = `${process.execPath} ${clientJs}`;
  // Each client scenario has its own test servers on ephemeral ports: three run at a time.
  results.push(...(await pool(CLIENT_SCENARIOS.map((s) => () => runScenario('client', s, command, outDir)), 3)));
  rmSync(tracesDir, { recursive: true, force: true });

  console.log('\nMCP conformance suite %s (results in %s)', CONFORMANCE_VERSION, outDir);
  for (const r of results) {
    const mark = r.ok ? 'PASS' : 'FAIL';
    const warn = r.warnings.length ? `, ${r.warnings.length} warning(s): ${r.warnings.map((w) => w.id).join(', ')}` : '';
    console.log(`  ${mark}  ${r.kind.padEnd(6)} ${r.scenario.padEnd(42)} ${r.passed}/${r.checks} checks passed${warn} (${r.ms} ms)`);
    for (const f of r.failures) console.log(`        ✗ ${f.id}: ${f.errorMessage ?? ''}`);
    if (!r.ok && r.failures.length === 0) console.log(r.output.split('\n').slice(-30).join('\n'));
  }
  const failed = results.filter((r) => !r.ok);
  const summary = {
    suite: CONFORMANCE_VERSION,
    scenarios: results.length,
    passed: results.length - failed.length,
    failed: failed.map((r) => `${r.kind}:${r.scenario}`),
    checks: results.reduce((n, r) => n + r.checks, 0),
  };
  console.log(`\nconformance: ${summary.passed}/${summary.scenarios} applicable scenarios passed (${summary.checks} checks)`);
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify({ ...summary, results: results.map(({ output: _o, ...r }) => r) }, null, 2));
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  if (process.argv.includes('--setup')) setup();
  else
    run().then(
      (code) => process.exit(code),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
