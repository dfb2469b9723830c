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
import { join } from 'node:path';
import { promisify } from 'node:util';
import { summary } from '../lib/stats';

const run = promisify(execFile);
const root = join(__dirname, '../..');

interface ProbeResult {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  hostLoadedMs: number;
  servedMs: number;
  agents: number;
  errors: string[];
  lazyLoaded: string[];
  error?: string;
}

const FIGURES = ['requireMs', 'activateMs', 'totalMs', 'hostLoadedMs', 'servedMs', 'agents'] as const;

export async function extensionBench(samples: number): Promise<Record<string, number | string>> {
  const outdir = join(root, 'bench/out/prod');
  await run(process.execPath, ['esbuild.mjs', '--production', `--outdir=${outdir}`], { cwd: root, timeout: 120_000 });
  const bundle = join(outdir, 'extension.js');
  const bytes = statSync(bundle).size;
  const hostBytes = statSync(join(outdir, 'extension-host.js')).size;
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
      const { stdout } = await run(process.execPath, [join(root, 'bench/lib/activate-probe.cjs'), bundle, join(root, 'examples'), storage, root], {
        cwd: root,
        timeout: 60_000,
      });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
      if (r.error) throw new Error(`activation probe failed: ${r.error}`);
      const missing = FIGURES.filter((k) => typeof r[k] !== 'number' || !Number.isFinite(r[k]));
      if (missing.length) throw new Error(`activation probe: no ${missing.join(', ')} in ${stdout.trim()}`);
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

if (require.main === module) {
  printResultAndExit(extensionBench(Number(process.argv[2] ?? 10)));
}
