import { printResultAndExit } from '../lib/child-main';
/**
 * Extension: size of the production bundles and activation time of our code.
 * Builds `node esbuild.mjs --production --outdir=bench/out/prod` (same config as the packaged
 * extension, dist/ untouched), then runs bench/lib/activate-probe.cjs in fresh Node processes:
 * the entry bundle (dist/extension.js) is required with a fake `vscode` module and `activate()`
 * runs against a workspace with the example agents. activate() registers views, commands and
 * providers and returns; the host's bundle (dist/extension-host.js: src/core, the MCP SDK, zod…)
 * loads right after it, then the local server starts and serves the catalog — the probe waits
 * for both and reports them too ("host ready"), so the cost moved out of activation is shown.
 * Each sample is a new process (cold require). A figure missing from a probe fails the suite.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { median, summary } from '../lib/stats';
import { writeAgentFiles } from './startup';

const run = promisify(execFile);
const root = join(__dirname, '../..');

interface ProbeResult {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  hostLoadedMs: number;
  servedMs: number;
  agents: number;
  rssMiB: number;
  errors: string[];
  lazyLoaded: string[];
  error?: string;
}

const FIGURES = ['requireMs', 'activateMs', 'totalMs', 'hostLoadedMs', 'servedMs', 'agents', 'rssMiB'] as const;

/** The production bundles, built into bench/out/prod (dist/ untouched); returns the entry bundle. */
async function productionBuild(): Promise<string> {
  const outdir = join(root, 'bench/out/prod');
  await run(process.execPath, ['esbuild.mjs', '--production', `--outdir=${outdir}`], { cwd: root, timeout: 120_000 });
  return join(outdir, 'extension.js');
}

/**
 * One cold process: the probe requires `bundle`, activates it on `workspace` and waits for the
 * catalog served. Fails on the probe's error or any figure missing from its answer.
 */
async function probe(bundle: string, workspace: string, storage: string, timeoutMs: number): Promise<ProbeResult> {
  const { stdout } = await run(process.execPath, [join(root, 'bench/lib/activate-probe.cjs'), bundle, workspace, storage, root], { cwd: root, timeout: timeoutMs });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
  if (r.error) throw new Error(`activation probe failed: ${r.error}`);
  const missing = FIGURES.filter((k) => typeof r[k] !== 'number' || !Number.isFinite(r[k]));
  if (missing.length) throw new Error(`activation probe: no ${missing.join(', ')} in ${stdout.trim()}`);
  return r;
}

export async function extensionBench(samples: number): Promise<Record<string, number | string>> {
  const bundle = await productionBuild();
  const bytes = statSync(bundle).size;
  const hostBytes = statSync(join(dirname(bundle), 'extension-host.js')).size;
  const storage = mkdtempSync(join(tmpdir(), 'aop-activate-'));
  const req: number[] = [];
  const act: number[] = [];
  const total: number[] = [];
  const hostLoaded: number[] = [];
  const served: number[] = [];
  let agents = -1;
  let errors = '';
  const lazyLoaded = new Set<string>();
  try {
    for (let i = 0; i < samples + 1; i++) {
      const r = await probe(bundle, join(root, 'examples'), storage, 60_000);
      if (r.agents < 1) throw new Error(`activation probe: the local server served ${r.agents} agents of examples/`);
      if (i === 0) continue; // first run warms the OS file cache
      req.push(r.requireMs);
      act.push(r.activateMs);
      total.push(r.totalMs);
      hostLoaded.push(r.hostLoadedMs);
      served.push(r.servedMs);
      agents = r.agents;
      if (r.errors.length) errors = r.errors.join('; ');
      for (const f of r.lazyLoaded ?? []) lazyLoaded.add(f);
    }
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
  const rq = summary(req);
  const ac = summary(act);
  const to = summary(total);
  const hl = summary(hostLoaded);
  const sv = summary(served);
  return {
    bytes,
    hostBytes,
    requireP50: rq.p50,
    requireP99: rq.p99,
    activateP50: ac.p50,
    activateP99: ac.p99,
    totalP50: to.p50,
    totalP99: to.p99,
    hostLoadedP50: hl.p50,
    hostLoadedP99: hl.p99,
    servedP50: sv.p50,
    servedP99: sv.p99,
    agents,
    errors,
    samples,
    lazyLoaded: [...lazyLoaded].join(', '),
  };
}

/**
 * The extension's catalog at 10,000 agent files (the figure `aop serve` has in the start-up suite):
 * a workspace of `files` agent files written to disk, then the probe — require, activate(), the host
 * loaded, the local server running with every agent served — in fresh processes. Reports from
 * `require` to served (median of `samples`, after one run that warms the file cache) and the RSS then.
 */
export async function extensionCatalogBench(files: number, samples: number): Promise<Record<string, number>> {
  const bundle = await productionBuild();
  const workspace = mkdtempSync(join(tmpdir(), 'aop-activate-files-'));
  const storage = mkdtempSync(join(tmpdir(), 'aop-activate-'));
  const served: number[] = [];
  const rss: number[] = [];
  try {
    writeAgentFiles(workspace, files);
    for (let i = 0; i < samples + 1; i++) {
      const r = await probe(bundle, workspace, storage, 120_000);
      if (r.agents !== files) throw new Error(`activation probe: the local server served ${r.agents} of ${files} agents`);
      if (i === 0) continue;
      served.push(r.totalMs + r.servedMs);
      rss.push(r.rssMiB);
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  }
  return { files, servedP50: median(served), servedMax: Math.max(...served), rssMiB: median(rss), samples };
}

if (require.main === module) {
  printResultAndExit(
    process.argv[2] === 'files'
      ? extensionCatalogBench(Number(process.argv[3] ?? 10_000), Number(process.argv[4] ?? 3))
      : extensionBench(Number(process.argv[2] ?? 10)),
  );
}
