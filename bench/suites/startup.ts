/**
 * Start-up from real files: N agent files on disk (written once into a temp folder), then
 * `node dist/cli.js serve` as a user runs it; measured from spawn to the first successful
 * tools/call answer (initialize + tools/call over HTTP), and the server's RSS after that call.
 * Needs dist/cli.js (npm run bench builds it).
 *
 * Usage: startup.ts [FILES] [RUNS] [BASELINE_CLI]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printResultAndExit } from '../lib/child-main';
import { median } from '../lib/stats';

const ROOT = join(__dirname, '..', '..');

export function writeAgentFiles(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const group = join(dir, `group-${i % 100}`);
    if (i < 100) mkdirSync(group, { recursive: true });
    writeFileSync(
      join(group, `agent-${i}.agent.md`),
      `---\nname: agent-${i}\ndescription: Agent number ${i} repeats its task.\nprovider: command\ncommand: [node, -e, "process.stdin.pipe(process.stdout)"]\ntags: [bench, group-${i % 100}]\ncapabilities: [echo]\ntimeout: 30\n---\nYou are agent ${i}. Repeat the task.\n`,
    );
  }
}

async function post(url: string, body: unknown, sid?: string): Promise<{ sid?: string; json: { result?: { isError?: boolean } } }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(sid ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' } : {}) },
    body: JSON.stringify(body),
  });
  return { sid: r.headers.get('mcp-session-id') ?? undefined, json: (await r.json()) as { result?: { isError?: boolean } } };
}

/** One cold start: ms to the first answered call, and the server's RSS in MiB. */
async function once(dir: string, n: number, cli = join(ROOT, 'dist/cli.js')): Promise<{ ms: number; rssMiB: number }> {
  const traces = mkdtempSync(join(tmpdir(), 'aop-bench-traces-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-watch', '--traces-dir', traces, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c) => {
        err += c;
        const m = /listening on (http:\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`aop serve exited with ${code}: ${err}`)));
    });
    const init = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } } });
    const call = await post(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: `agent-${n - 1}`, arguments: { task: 'hello' } } }, init.sid);
    const ms = performance.now() - t0;
    if (!call.json.result || call.json.result.isError) throw new Error(`first call failed: ${JSON.stringify(call.json).slice(0, 300)}`);
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN);
    return { ms, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill('SIGKILL');
    rmSync(traces, { recursive: true, force: true });
  }
}

/**
 * With `baselineCli` (another build's cli.js, e.g. the previous commit's), every run also starts
 * that one on the same files, alternating which goes first, and the result carries the median of
 * the paired ratios baseline / this.
 */
export async function startup(n: number, runs: number, baselineCli?: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'aop-bench-files-'));
  try {
    writeAgentFiles(dir, n);
    // this process's own first fetch (loading undici) is the client's cost, not the server's start
    await fetch('http://127.0.0.1:1/').catch(() => undefined);
    const results = [];
    const ratios: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (!baselineCli) {
        results.push(await once(dir, n));
        continue;
      }
      const pair = i % 2 ? [await once(dir, n, baselineCli), await once(dir, n)] : [await once(dir, n), await once(dir, n, baselineCli)].reverse();
      baseline.push(pair[0].ms);
      results.push(pair[1]);
      ratios.push(pair[0].ms / pair[1].ms);
    }
    return {
      files: n,
      firstCallP50: median(results.map((r) => r.ms)),
      firstCallMax: Math.max(...results.map((r) => r.ms)),
      rssMiB: median(results.map((r) => r.rssMiB)),
      runs,
      ...(baselineCli ? { baselineP50: median(baseline), pairedSpeedup: median(ratios) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  printResultAndExit(startup(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 3), process.argv[4]));
}
