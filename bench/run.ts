/**
 * `npm run bench`: runs the suites, writes bench/results.md and prints it.
 * Baselines and ours are measured in the same run, interleaved (shared, noisy machines).
 * Env: BENCH_QUICK=1 for a short smoke run; BENCH_PROFILE=0 to skip the CPU profiles.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { summarize } from './lib/profile-summary';
import { machine, ms, type ResultRow } from './lib/stats';
import { runLatency, runThroughput } from './suites/latency';

const run = promisify(execFile);
const quick = process.env.BENCH_QUICK === '1';
const root = join(__dirname, '..');
const out = join(__dirname, 'out');
const log = (s: string) => process.stderr.write(s + '\n');

async function child(args: string[], extra: string[] = []): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--expose-gc', ...extra, ...args], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function profile(which: 'sdk' | 'ours' | 'fed', calls: number): Promise<string> {
  const dir = join(out, `profile-${which}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run(process.execPath, ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${dir}`, 'bench/profile-target.ts', which, String(calls)], {
    cwd: root,
    timeout: 300_000,
  });
  const biggest = readdirSync(dir)
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const text = summarize(biggest, 30);
  writeFileSync(join(out, `profile-${which}.txt`), text);
  return biggest;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const m = machine();
  const rows: ResultRow[] = [];

  log('latency…');
  rows.push(...(await runLatency({ rounds: quick ? 2 : 5, callsPerRound: quick ? 300 : 2000, warmup: quick ? 100 : 500, log })));
  log('throughput…');
  rows.push(...(await runThroughput({ callers: 32, seconds: quick ? 1 : 3, rounds: quick ? 1 : 3, log })));

  log('scale (10,000 agents, own process)…');
  const sc = await child(['bench/suites/scale.ts', 'scale', String(quick ? 2000 : 10_000)]);
  rows.push(
    { suite: 'scale', what: `${sc.agents} agents: start-up (setAgents + listen)`, goal: '—', measured: ms(sc.startupMs, 0) },
    { suite: 'scale', what: `${sc.agents} agents: RSS / heap growth`, goal: '—', measured: `${sc.rssMiB.toFixed(0)} MiB / ${sc.heapMiB.toFixed(0)} MiB` },
    {
      suite: 'scale',
      what: `tools/list p50 / p99, server + wire (${sc.tools} tools, ${sc.toolsListMiB.toFixed(1)} MiB, read raw)`,
      goal: 'p50 ≤ 100 ms',
      measured: `${ms(sc.toolsListP50, 1)} / ${ms(sc.toolsListP99, 1)}`,
      ok: sc.toolsListP50 <= 100,
    },
    {
      suite: 'scale',
      what: 'tools/list p50 through the SDK Client (+ JSON.parse and zod validation of every tool)',
      goal: '—',
      measured: ms(sc.sdkClientListP50, 0),
    },
    { suite: 'scale', what: 'search_agents p50 / p99 (tools/call, one hit set of ~100)', goal: 'p50 ≤ 10 ms', measured: `${ms(sc.searchP50, 2)} / ${ms(sc.searchP99, 2)}`, ok: sc.searchP50 <= 10 },
    { suite: 'scale', what: `agent call p50 with ${sc.agents} agents loaded`, goal: '—', measured: ms(sc.callP50) },
  );

  log('concurrency (1,000 in flight, server in its own process)…');
  const cc = await child(['bench/suites/scale.ts', 'conc', String(quick ? 300 : 1000), '100', '50']);
  rows.push(
    {
      suite: 'concurrency',
      what: `${cc.inFlight} calls in flight, max_concurrency ${cc.capacity}, model 50 ms: wall vs ideal 50 ms × ⌈${cc.inFlight}/${cc.capacity}⌉ = ${cc.idealMs} ms`,
      goal: '≤ 1.5× ideal',
      measured: `${ms(cc.wallMs, 0)} (${(cc.wallMs / cc.idealMs).toFixed(2)}×; peak ${cc.peakInServer} running+queued in the server)`,
      ok: cc.wallMs <= 1.5 * cc.idealMs,
    },
    { suite: 'concurrency', what: 'errors (transport) / failures (isError)', goal: '0 / 0', measured: `${cc.errors} / ${cc.failures}`, ok: cc.errors === 0 && cc.failures === 0 },
    { suite: 'concurrency', what: 'server heap per in-flight call', goal: '—', measured: `${cc.heapPerCallKiB.toFixed(1)} KiB` },
  );

  if (process.env.BENCH_PROFILE !== '0') {
    log('profiles (--cpu-prof)…');
    const p1 = await profile('sdk', quick ? 500 : 3000);
    const p2 = await profile('ours', quick ? 500 : 3000);
    rows.push({ suite: 'profile', what: 'CPU profiles (summaries in bench/out/profile-*.txt; see bench/NOTES.md)', goal: '—', measured: `${p1.replace(root + '/', '')}, ${p2.replace(root + '/', '')}` });
  }

  const verdict = (ok?: boolean) => (ok === undefined ? '' : ok ? '✅ met' : '❌ missed');
  const md = [
    '# AOP benchmark results',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.platform}; Node ${m.node}; ${m.date}.`,
    `Run: \`npm run bench\`${quick ? ' (BENCH_QUICK=1)' : ''}, ${((Date.now() - started) / 1000).toFixed(0)} s. Client and server share one process unless noted; baselines and ours are measured interleaved in the same run.`,
    '',
    '| Suite | Benchmark | Goal | Measured | Verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.suite} | ${r.what} | ${r.goal} | ${r.measured} | ${verdict(r.ok)} |`),
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'results.md'), md);
  process.stdout.write(md + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
