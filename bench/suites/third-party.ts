/**
 * What a third-party client sees: the official SDK client (Client + StreamableHTTPClientTransport,
 * unchanged, as VS Code-like clients and the Inspector use it) calling our AopServer vs the bare SDK
 * server, each server in its own process, in interleaved rounds. Reports client-side latency and the
 * server process's CPU per call (user + system, from process.cpuUsage() over the round).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sdkClient } from '../lib/fixtures';
import { median, summary } from '../lib/stats';
import { printResultAndExit } from '../lib/child-main';

interface Proc {
  child: ChildProcess;
  url: string;
  cpu(): Promise<number>;
  close(): Promise<void>;
}

export async function startServerProcess(which: string, script = 'tp-server.ts', extra: string[] = []): Promise<Proc> {
  const child = fork(join(__dirname, '..', 'lib', script), [which, ...extra], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`${which} server exited with ${code}`)));
  });
  const ask = <T>(msg: string, key: string) =>
    new Promise<T>((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', on);
          resolve(m[key] as T);
        }
      };
      child.on('message', on);
      child.send(msg);
    });
  return {
    child,
    url,
    async cpu() {
      const c = await ask<{ user: number; system: number }>('cpu', 'cpu');
      return (c.user + c.system) / 1000; // ms
    },
    async close() {
      const gone = new Promise((r) => child.once('exit', r));
      child.send('exit');
      await gone;
    },
  };
}

export interface ThirdPartyResult {
  oursP50: number;
  oursP99: number;
  sdkP50: number;
  sdkP99: number;
  /** Median over rounds of sdk p50 / ours p50 in the same round. */
  pairedSpeedup: number;
  oursCpuPerCall: number;
  sdkCpuPerCall: number;
  /** node:http with a fixed answer (instant backend only): the least a server can cost this client. */
  floorP50?: number;
  floorCpuPerCall?: number;
  calls: number;
}

/**
 * `backend: 'instant'`: our agent on the in-process instant model vs the SDK echo tool.
 * `backend: 'openai'`: both call the scripted OpenAI-compatible model in a third process (streamed);
 * the CPU figures are the server processes' own, so the model is excluded.
 */
export async function runThirdParty(opts: {
  rounds: number;
  callsPerRound: number;
  warmup: number;
  backend?: 'instant' | 'openai';
  log: (s: string) => void;
}): Promise<ThirdPartyResult> {
  const model = opts.backend === 'openai' ? await startServerProcess('model', 'model-proc.ts') : undefined;
  const modes = model ? { ours: 'ours-openai', sdk: 'sdk-openai' } : { ours: 'ours', sdk: 'sdk' };
  const extra = model ? [model.url] : [];
  type Kind = 'ours' | 'sdk' | 'floor';
  const kinds: Kind[] = model ? ['ours', 'sdk'] : ['ours', 'sdk', 'floor'];
  const procs = {} as Record<Kind, Awaited<ReturnType<typeof startServerProcess>>>;
  procs.ours = await startServerProcess(modes.ours, 'tp-server.ts', extra);
  procs.sdk = await startServerProcess(modes.sdk, 'tp-server.ts', extra);
  if (!model) procs.floor = await startServerProcess('floor', 'tp-server.ts');
  const clients = {} as Record<Kind, Awaited<ReturnType<typeof sdkClient>>>;
  for (const k of kinds) clients[k] = await sdkClient(procs[k].url);
  const samples = { ours: [] as number[], sdk: [] as number[], floor: [] as number[] };
  const cpu = { ours: 0, sdk: 0, floor: 0 };
  const ratios: number[] = [];
  try {
    for (const k of kinds) {
      for (let i = 0; i < opts.warmup; i++) await clients[k].callTool({ name: 'echo', arguments: { task: 'hello' } });
    }
    for (let r = 0; r < opts.rounds; r++) {
      const p50: Record<string, number> = {};
      const order = r % 2 ? [...kinds].reverse() : kinds;
      for (const k of order) {
        const round: number[] = [];
        const c0 = await procs[k].cpu();
        for (let i = 0; i < opts.callsPerRound; i++) {
          const t0 = performance.now();
          const res = await clients[k].callTool({ name: 'echo', arguments: { task: 'hello' } });
          round.push(performance.now() - t0);
          if (res.isError) throw new Error(`${k}: call failed: ${JSON.stringify(res.content)}`);
        }
        cpu[k] += (await procs[k].cpu()) - c0;
        samples[k].push(...round);
        p50[k] = summary(round).p50;
      }
      ratios.push(p50.sdk / p50.ours);
      opts.log(`  round ${r + 1}: ${kinds.map((k) => `${k} p50 ${p50[k].toFixed(3)} ms`).join(', ')}`);
    }
  } finally {
    await Promise.allSettled(Object.values(clients).map((c) => c.close()));
    await Promise.allSettled(Object.values(procs).map((p) => p.close()));
    await model?.close();
  }
  const o = summary(samples.ours);
  const s = summary(samples.sdk);
  const n = opts.rounds * opts.callsPerRound;
  return {
    oursP50: o.p50,
    oursP99: o.p99,
    sdkP50: s.p50,
    sdkP99: s.p99,
    pairedSpeedup: median(ratios),
    oursCpuPerCall: cpu.ours / n,
    sdkCpuPerCall: cpu.sdk / n,
    ...(model ? {} : { floorP50: summary(samples.floor).p50, floorCpuPerCall: cpu.floor / n }),
    calls: n,
  };
}

if (require.main === module) {
  const [backend, rounds, calls] = process.argv.slice(2);
  printResultAndExit(
    runThirdParty({
      backend: backend === 'openai' ? 'openai' : 'instant',
      rounds: Number(rounds ?? 3),
      callsPerRound: Number(calls ?? 1000),
      warmup: 200,
      log: (s) => process.stderr.write(s + '\n'),
    }),
  );
}
