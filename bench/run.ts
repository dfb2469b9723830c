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

  log('third-party client (official SDK client → our server vs bare SDK server, separate processes)…');
  for (const backend of ['instant', 'openai'] as const) {
    const tp = await child(['bench/suites/third-party.ts', backend, String(quick ? 2 : 5), String(quick ? 300 : 2000)]);
    const real = backend === 'openai';
    const where = real ? 'an `openai` agent on the scripted OpenAI-compatible model (own process, streamed) vs a bare SDK tool making the same call' : 'an agent on the instant model vs the bare SDK echo tool';
    rows.push(
      {
        suite: 'third-party',
        what: `SDK Client + StreamableHTTPClientTransport → ${where}: p50 ours / SDK (paired ratio), ${tp.calls} calls each`,
        goal: real ? '≥ 1.5×' : '≥ 2×',
        measured: `${ms(tp.oursP50)} / ${ms(tp.sdkP50)} (${tp.pairedSpeedup.toFixed(2)}×)`,
        ok: tp.pairedSpeedup >= (real ? 1.5 : 2),
      },
      { suite: 'third-party', what: `same, p99 ours / SDK`, goal: 'no worse', measured: `${ms(tp.oursP99)} / ${ms(tp.sdkP99)}`, ok: tp.oursP99 <= tp.sdkP99 },
      {
        suite: 'third-party',
        what: `same, server process CPU per call ours / SDK${real ? ' (model excluded: it runs in its own process)' : ''}`,
        goal: real ? '≤ 0.3 ms' : '≤ 0.10 ms',
        measured: `${ms(tp.oursCpuPerCall)} / ${ms(tp.sdkCpuPerCall)}`,
        ok: tp.oursCpuPerCall <= (real ? 0.3 : 0.1),
      },
    );
    if (tp.floorP50 !== undefined && tp.floorCpuPerCall !== undefined) {
      rows.push({
        suite: 'third-party',
        what: 'the floor in the same rounds: node:http answering every POST with a fixed JSON-RPC answer (no MCP work at all), same SDK client: p50; server CPU per call; ours minus the floor',
        goal: '—',
        measured: `${ms(tp.floorP50)}; ${ms(tp.floorCpuPerCall)} CPU; ours +${ms(tp.oursCpuPerCall - tp.floorCpuPerCall)} CPU, +${ms(tp.oursP50 - tp.floorP50)} p50`,
      });
    }
  }

  log('start-up from 10,000 agent files on disk (aop serve, cold process)…');
  const su = await child(['bench/suites/startup.ts', String(quick ? 2000 : 10_000), String(quick ? 1 : 5)]);
  rows.push(
    { suite: 'start-up', what: `${su.files} agent files: \`aop serve\` spawn → first answered tools/call, median of ${su.runs} (max)`, goal: '≤ 1 s', measured: `${ms(su.firstCallP50, 0)} (${ms(su.firstCallMax, 0)})`, ok: su.firstCallP50 <= 1000 },
    { suite: 'start-up', what: `${su.files} agent files: server RSS after the first call`, goal: '≤ 150 MiB', measured: `${su.rssMiB.toFixed(0)} MiB`, ok: su.rssMiB <= 150 },
  );

  log('CLI cold start (node dist/cli.js --help / discover <one server>, new process each run)…');
  const cl = await child(['bench/suites/cli-startup.ts', String(quick ? 5 : 20)]);
  rows.push(
    {
      suite: 'cli',
      what: `\`aop --help\` cold: spawn → first output p50, ${cl.runs} runs (\`node -e ""\` alone in the same rounds: ${ms(cl.nodeFirstOutputP50, 0)}); process CPU p50 ours / node alone`,
      goal: '≤ 150 ms',
      measured: `${ms(cl.helpFirstOutputP50, 0)}; CPU ${ms(cl.helpCpuP50, 0)} / ${ms(cl.nodeCpuP50, 0)}`,
      ok: cl.helpFirstOutputP50 <= 150,
    },
    {
      suite: 'cli',
      what: '`aop discover <url>` of one server (the examples, `aop serve` in its own process): spawn → first output p50; process CPU p50',
      goal: '≤ 150 ms',
      measured: `${ms(cl.discoverFirstOutputP50, 0)}; CPU ${ms(cl.discoverCpuP50, 0)}`,
      ok: cl.discoverFirstOutputP50 <= 150,
    },
  );

  log('discovery (10 servers × 100 agents, each server in its own process)…');
  const dc = await child(['bench/suites/discovery.ts', '10', '100', String(quick ? 10 : 40)]);
  rows.push(
    {
      suite: 'discovery',
      what: `cold, ${dc.servers} servers × ${dc.agentsEach} agents (new AopCluster + empty TCP pool each time: connect, initialize, tools/list, discover_agents): p50 / p99 (${dc.samples} samples)`,
      goal: '≤ 20 ms / ≤ 50 ms',
      measured: `${ms(dc.coldP50, 1)} / ${ms(dc.coldP99, 1)}${dc.wrong ? ` (${dc.wrong} incomplete!)` : ''}`,
      ok: dc.coldP50 <= 20 && dc.coldP99 <= 50 && dc.wrong === 0,
    },
    { suite: 'discovery', what: 'warm (cache hit): p50 / p99', goal: '≤ 0.05 ms', measured: `${ms(dc.warmP50, 4)} / ${ms(dc.warmP99, 4)}`, ok: dc.warmP50 <= 0.05 },
    {
      suite: 'discovery',
      what: `cold, servers queried one by one: p50 / p99; parallel speed-up p50 (median of paired ratios in brackets)`,
      goal: '≥ 5×',
      measured: `${ms(dc.seqP50, 1)} / ${ms(dc.seqP99, 1)}; ${dc.speedup.toFixed(2)}× (${dc.pairedSpeedup.toFixed(2)}×)`,
      ok: dc.speedup >= 5,
    },
  );

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

  log('orchestration (delegation overhead, call_agents fan-out; own process)…');
  const or = await child(['bench/suites/orchestration.ts', String(quick ? 300 : 2000), '100', '50']);
  rows.push(
    {
      suite: 'orchestration',
      what: `delegation: added per delegated call (coordinator → child in-process, instant models; (T(${or.k} delegations) − T(0)) / ${or.k} − T(child direct) = ${ms(or.perDelegationMs, 3)} − ${ms(or.directMs, 3)})`,
      goal: '≤ 0.3 ms',
      measured: ms(or.addedMs, 3),
      ok: or.addedMs <= 0.3,
    },
    {
      suite: 'orchestration',
      what: `call_agents over MCP: ${or.fan_children} children of a ${or.fan_modelMs} ms model, all at once: wall vs ideal ${or.fan_modelMs} ms (median of 15)`,
      goal: '≤ 1.3× ideal',
      measured: `${ms(or.fan_wallMs, 1)} (${or.fan_ratio.toFixed(2)}×)${or.fan_failures ? `, ${or.fan_failures} failed!` : ''}`,
      ok: or.fan_ratio <= 1.3 && or.fan_failures === 0,
    },
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

  log('extension (production bundle size, activation with a fake vscode)…');
  const ex = await child(['bench/suites/extension.ts', String(quick ? 3 : 10)]);
  const extensionMB = ((ex.bytes as number) + (ex.hostBytes as number)) / 1e6;
  rows.push(
    {
      suite: 'extension',
      what: 'production bundles required at start-up (`node esbuild.mjs --production`): dist/extension.js (entry) + dist/extension-host.js (the host, loaded after activation)',
      goal: '≤ 1.5 MB',
      measured: `${extensionMB.toFixed(2)} MB (${((ex.bytes as number) / 1024).toFixed(0)} KiB + ${((ex.hostBytes as number) / 1024).toFixed(0)} KiB)`,
      ok: extensionMB <= 1.5,
    },
    {
      suite: 'extension',
      what: `activation: activate() p50 / p99 (fake vscode, example workspace; activate() registers views, commands and the MCP provider, then returns — the host's bundle, the server, clusters and language client load after it; ${ex.samples} cold processes)`,
      goal: '≤ 50 ms',
      measured: `${ms(ex.activateP50 as number, 1)} / ${ms(ex.activateP99 as number, 1)}${ex.errors ? ` (errors: ${ex.errors})` : ''}`,
      ok: (ex.activateP50 as number) <= 50,
    },
    { suite: 'extension', what: 'activation: require(dist/extension.js) p50 / p99 (module load before activate())', goal: '—', measured: `${ms(ex.requireP50 as number, 1)} / ${ms(ex.requireP99 as number, 1)}` },
    {
      suite: 'extension',
      what: 'activation: require(bundle) + activate() p50 / p99; bundles meant for later (dist/extension-host.js before activate() returned; dist/a2a-sdk.js, etcd3.js, trace-panel.js, language-client.js by the start) loaded',
      goal: '≤ 60 ms; none',
      measured: `${ms(ex.totalP50 as number, 1)} / ${ms(ex.totalP99 as number, 1)}; ${ex.lazyLoaded || 'none'}`,
      ok: (ex.totalP50 as number) <= 60 && !ex.lazyLoaded,
    },
    {
      suite: 'extension',
      what: `host ready, after activate() returned: host's bundle loaded p50 / p99; local server serving the catalog (${ex.agents} example agents) p50 / p99`,
      goal: '—',
      measured: `${ms(ex.hostLoadedP50 as number, 0)} / ${ms(ex.hostLoadedP99 as number, 0)}; ${ms(ex.servedP50 as number, 0)} / ${ms(ex.servedP99 as number, 0)}`,
    },
  );
  const ef = await child(['bench/suites/extension.ts', 'files', String(quick ? 2000 : 10_000), String(quick ? 1 : 3)]);
  rows.push({
    suite: 'extension',
    what: `${ef.files} agent files in the workspace: require(dist/extension.js) → local server serving every agent, median of ${ef.samples} (max); RSS then`,
    goal: '≤ 1 s; ≤ 150 MiB',
    measured: `${ms(ef.servedP50, 0)} (${ms(ef.servedMax, 0)}); ${ef.rssMiB.toFixed(0)} MiB`,
    ok: ef.servedP50 <= 1000 && ef.rssMiB <= 150,
  });

  log('registry (real etcd on loopback, 1,000 simulated servers)…');
  try {
    const rg = await child(['bench/suites/registry.ts', String(quick ? 200 : 1000), String(quick ? 10 : 30)]);
    rows.push(
      { suite: 'registry', what: `join → routable in a watching cluster (lease + put → registry event): p50 / p99 (${rg.joinSamples} joins)`, goal: 'p50 ≤ 50 ms', measured: `${ms(rg.joinP50, 1)} / ${ms(rg.joinP99, 1)}`, ok: rg.joinP50 <= 50 },
      {
        suite: 'registry',
        what: `cold view: new AopCluster → discover() with ${rg.servers} registered servers (${rg.seen} seen; etcd client, range read, record checks, connections; the servers' keep-alives run in another process): p50 / p99 (${rg.coldSamples} samples); CPU of the view, p50; load average`,
        goal: 'p50 ≤ 200 ms',
        measured: `${ms(rg.coldP50, 1)} / ${ms(rg.coldP99, 1)}; CPU ${ms(rg.coldCpuP50, 1)}; load ${rg.loadAvg.toFixed(1)}`,
        ok: rg.coldP50 <= 200 && rg.seen === rg.servers,
      },
      {
        suite: 'registry',
        what: `steady state, ${rg.servers} servers (ttl 10 s): etcd writes/s (raft proposals; mvcc puts) and lease keep-alives/s`,
        goal: '—',
        measured: `${rg.proposalsPerSec.toFixed(1)} / ${rg.putsPerSec.toFixed(1)} writes/s; ${rg.keepAlivesPerSec.toFixed(0)} keep-alives/s`,
      },
    );
  } catch (err) {
    rows.push({ suite: 'registry', what: 'etcd registry', goal: '—', measured: `skipped: ${String((err as Error).message ?? err).split('\n')[0].slice(0, 160)}` });
  }

  log('webview (first render, 10,000 spans, headless Chromium)…');
  try {
    const { existsSync } = await import('node:fs');
    if (!existsSync(join(__dirname, 'webview-render.ts'))) throw new Error('bench/webview-render.ts not present');
    const wv = await child(['-e', "require('./bench/webview-render.ts').measureWebviewRender({ runs: " + (quick ? 2 : 5) + " }).then((r) => { console.log(JSON.stringify(r)); process.exit(0); }, (e) => { console.error(e); process.exit(1); })"]);
    const problems = (wv.problems as unknown as string[]) ?? [];
    rows.push({
      suite: 'webview',
      what: `Traces webview first render, ${wv.spans} spans (median of ${((wv.runsMs as unknown as number[]) ?? []).length} page loads; rows in DOM ${wv.renderedRows}; scroll p95 frame ${ms(wv.scrollP95Ms, 1)})`,
      goal: '≤ 300 ms',
      measured: `${ms(wv.firstRenderMs, 1)}${problems.length ? ` (problems: ${problems.length})` : ''}`,
      ok: wv.firstRenderMs <= 300,
    });
  } catch (err) {
    rows.push({ suite: 'webview', what: 'Traces webview first render, 10,000 spans', goal: '≤ 300 ms', measured: `skipped: ${String((err as Error).message ?? err).split('\n')[0].slice(0, 160)}` });
  }

  if (process.env.BENCH_PROFILE !== '0') {
    log('profiles (--cpu-prof)…');
    const p1 = await profile('sdk', quick ? 500 : 3000);
    const p2 = await profile('ours', quick ? 500 : 3000);
    const p3 = await profile('fed', quick ? 500 : 2000);
    rows.push({ suite: 'profile', what: 'CPU profiles: bare SDK pair, cluster client, federation hop (summaries in bench/out/profile-*.txt; see bench/NOTES.md)', goal: '—', measured: [p1, p2, p3].map((p) => p.replace(root + '/', '')).join(', ') });
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
