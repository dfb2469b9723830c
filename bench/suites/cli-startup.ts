/**
 * CLI cold start: `node dist/cli.js --help` and `node dist/cli.js discover <url>` against one
 * running `aop serve` (the examples), each run a new process, as a user runs the installed bin.
 * Per run: wall time from spawn to the first byte on stdout and to exit, and the process's CPU
 * time (user + system, all threads; bench/lib/cpu-at-exit.cjs). `node -e ""` runs in the same
 * rounds as the floor no CLI can go below. Variants are interleaved round by round (the machine
 * is shared): compare within one run.
 *
 * Usage: cli-startup.ts [RUNS] [BASELINE_CLI]
 * With BASELINE_CLI (another build's cli.js, e.g. the previous commit's), every round also runs it
 * and the result carries the paired ratios baseline / this (median over rounds).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { printResultAndExit } from '../lib/child-main';
import { median } from '../lib/stats';

const ROOT = join(__dirname, '..', '..');
const PRELOAD = join(__dirname, '..', 'lib', 'cpu-at-exit.cjs');

interface Run {
  firstOutputMs: number;
  exitMs: number;
  cpuMs: number;
}

/** One cold process: `node --require cpu-at-exit.cjs ...args`. */
function once(args: string[], expectCode = 0): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', PRELOAD, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, AOP_TOKEN: '', NO_COLOR: '1' },
    });
    let first = NaN;
    let cpu = '';
    let err = '';
    child.stdout!.on('data', () => {
      if (Number.isNaN(first)) first = performance.now() - t0;
    });
    child.stderr!.on('data', (c) => (err += c));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c) => (cpu += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const exitMs = performance.now() - t0;
      if (code !== expectCode) return reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err.slice(0, 300)}`));
      try {
        resolvePromise({ firstOutputMs: Number.isNaN(first) ? exitMs : first, exitMs, cpuMs: (JSON.parse(cpu) as { cpuMs: number }).cpuMs });
      } catch {
        reject(new Error(`no CPU figure from node ${args.join(' ')}: ${err.slice(0, 300)}`));
      }
    });
  });
}

/** `aop serve --port 0` on the examples; resolves with its URL. */
function serve(cli: string, traces: string): Promise<{ url: string; stop(): void }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-watch', '--traces-dir', traces, join(ROOT, 'examples/agents')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AOP_TOKEN: '' },
    });
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /listening on (http:\S+)|serving \d+ agents at (http:\S+)/.exec(err);
      if (m) resolvePromise({ url: m[1] ?? m[2], stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`aop serve exited with ${code}: ${err}`)));
  });
}

type Variant = { name: string; args: string[]; expect?: number };

export async function cliStartup(runs: number, baseline?: string): Promise<Record<string, number>> {
  const cli = join(ROOT, 'dist/cli.js');
  const traces = mkdtempSync(join(tmpdir(), 'aop-bench-cli-'));
  const server = await serve(cli, traces);
  try {
    const variants: Variant[] = [
      { name: 'node', args: ['-e', ''] },
      { name: 'help', args: [cli, '--help'] },
      { name: 'discover', args: [cli, 'discover', server.url] },
    ];
    if (baseline) {
      const base = resolve(baseline);
      variants.push({ name: 'baseHelp', args: [base, '--help'] }, { name: 'baseDiscover', args: [base, 'discover', server.url] });
    }
    const samples = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
    for (let round = -1; round < runs; round++) {
      // alternate the order each round so neither side always runs right after the other
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const r = await once(v.args, v.expect);
        if (round >= 0) samples.get(v.name)!.push(r); // round -1 warms the OS file cache
      }
    }
    const out: Record<string, number> = { runs };
    for (const [name, rs] of samples) {
      out[`${name}FirstOutputP50`] = median(rs.map((r) => r.firstOutputMs));
      out[`${name}ExitP50`] = median(rs.map((r) => r.exitMs));
      out[`${name}CpuP50`] = median(rs.map((r) => r.cpuMs));
    }
    if (baseline) {
      const paired = (a: string, b: string, key: keyof Run) =>
        median(samples.get(a)!.map((r, i) => r[key] / samples.get(b)![i][key]));
      out.helpWallRatio = paired('baseHelp', 'help', 'firstOutputMs');
      out.helpCpuRatio = paired('baseHelp', 'help', 'cpuMs');
      out.discoverWallRatio = paired('baseDiscover', 'discover', 'firstOutputMs');
      out.discoverCpuRatio = paired('baseDiscover', 'discover', 'cpuMs');
    }
    return out;
  } finally {
    server.stop();
    rmSync(traces, { recursive: true, force: true });
  }
}

if (require.main === module) {
  printResultAndExit(cliStartup(Number(process.argv[2] ?? 20), process.argv[3]));
}
