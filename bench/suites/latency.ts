/**
 * Per-call latency and throughput: raw keep-alive HTTP vs the bare SDK pair vs ours.
 * A row is one function returning `{ call, close }`; rows are measured in interleaved rounds in
 * one process, so machine noise hits them alike. To add a row (e.g. the cluster client), add an
 * entry to `latencyRows()`.
 */
import { Agent } from 'node:http';
import { benchAgent, clusterClient, nodeClient, rawPoster, sdkClient, startAop, startFederatedPair, startRawEcho, startSdkServer } from '../lib/fixtures';
import { median, ms, summary, type ResultRow } from '../lib/stats';

export interface RowInstance {
  call(): Promise<unknown>;
  close(): Promise<void>;
}
export interface Row {
  name: string;
  /** Role in the verdicts: the wire limit, the baseline, ours, or extra information. */
  role: 'wire' | 'sdk' | 'ours' | 'hop' | 'info';
  setup(): Promise<RowInstance>;
}

const ARGS = { task: 'hello' };
const TOOL_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: ARGS } });

export function latencyRows(): Row[] {
  return [
    {
      name: 'raw keep-alive HTTP round trip (node:http, JSON echo)',
      role: 'wire',
      async setup() {
        const s = await startRawEcho();
        const p = rawPoster(s.port);
        return { call: () => p.post(TOOL_BODY), close: async () => (await p.close(), await s.close()) };
      },
    },
    {
      name: 'bare SDK: Client + StreamableHTTPClientTransport → McpServer + StreamableHTTPServerTransport',
      role: 'sdk',
      async setup() {
        const s = await startSdkServer();
        const c = await sdkClient(s.url);
        return { call: () => c.callTool({ name: 'echo', arguments: ARGS }), close: async () => (await c.close(), await s.close()) };
      },
    },
    {
      name: 'ours: cluster client (AopCluster.call) → AopServer (instant model)',
      role: 'ours',
      async setup() {
        const s = await startAop([benchAgent('echo')]);
        const c = await clusterClient([s.url]);
        return { call: () => c.call('echo', ARGS), close: async () => (await c.close(), await s.close()) };
      },
    },
    {
      name: 'ours, one federation hop: cluster client → AopServer B → (federate) → AopServer A',
      role: 'hop',
      async setup() {
        const p = await startFederatedPair([benchAgent('echo')]);
        const c = await clusterClient([p.b.url]);
        return { call: () => c.call('bench__echo', ARGS), close: async () => (await c.close(), await p.close()) };
      },
    },
    {
      name: 'SDK Client (callTool) + NodeHttpClientTransport → AopServer',
      role: 'info',
      async setup() {
        const s = await startAop([benchAgent('echo')]);
        const c = await nodeClient(s.url);
        return { call: () => c.callTool({ name: 'echo', arguments: ARGS }), close: async () => (await c.close(), await s.close()) };
      },
    },
    {
      name: 'SDK client transport → AopServer (server side only)',
      role: 'info',
      async setup() {
        const s = await startAop([benchAgent('echo')]);
        const c = await sdkClient(s.url);
        return { call: () => c.callTool({ name: 'echo', arguments: ARGS }), close: async () => (await c.close(), await s.close()) };
      },
    },
    {
      name: 'NodeHttpClientTransport → bare SDK server (client side only)',
      role: 'info',
      async setup() {
        const s = await startSdkServer();
        const c = await nodeClient(s.url);
        return { call: () => c.callTool({ name: 'echo', arguments: ARGS }), close: async () => (await c.close(), await s.close()) };
      },
    },
  ];
}

async function timed(call: () => Promise<unknown>, n: number, out: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push(performance.now() - t0);
  }
}

export async function runLatency(opts: { rounds: number; callsPerRound: number; warmup: number; log: (s: string) => void }): Promise<ResultRow[]> {
  const rows = latencyRows();
  const inst: RowInstance[] = [];
  for (const r of rows) inst.push(await r.setup());
  const samples = rows.map(() => [] as number[]);
  const roundP50 = rows.map(() => [] as number[]);
  try {
    for (let i = 0; i < rows.length; i++) await timed(inst[i].call, opts.warmup, []);
    for (let round = 0; round < opts.rounds; round++) {
      // rotate the order each round so no row always runs first
      for (let k = 0; k < rows.length; k++) {
        const i = (k + round) % rows.length;
        const got: number[] = [];
        await timed(inst[i].call, opts.callsPerRound, got);
        samples[i].push(...got);
        roundP50[i].push(summary(got).p50);
      }
      opts.log(`  latency round ${round + 1}/${opts.rounds}: ` + rows.map((r, i) => `${r.role}=${ms(roundP50[i][round])}`).join(' '));
    }
  } finally {
    for (const x of inst) await x.close().catch(() => {});
  }
  const stats = rows.map((r, i) => ({ row: r, ...summary(samples[i]), roundMedian: median(roundP50[i]) }));
  const wire = stats.find((s) => s.row.role === 'wire')!;
  const sdk = stats.find((s) => s.row.role === 'sdk')!;
  const ours = stats.find((s) => s.row.role === 'ours')!;
  const out: ResultRow[] = stats.map((s) => ({
    suite: 'latency',
    what: `${s.row.name}: p50 / p99 (${s.n} calls)`,
    goal: s.row.role === 'ours' ? 'p50 ≤ 1.0 ms' : '—',
    measured: `${ms(s.p50)} / ${ms(s.p99)}`,
    ok: s.row.role === 'ours' ? s.p50 <= 1.0 : undefined,
  }));
  const hop = stats.find((s) => s.row.role === 'hop')!;
  const speedup = sdk.p50 / ours.p50;
  out.push({
    suite: 'latency',
    what: 'ours vs bare SDK pair, p50 (median of per-round ratios in brackets)',
    goal: '≥ 2.5× faster',
    measured: `${speedup.toFixed(2)}× (${median(roundP50[stats.indexOf(sdk)].map((x, k) => x / roundP50[stats.indexOf(ours)][k])).toFixed(2)}×)`,
    ok: speedup >= 2.5,
  });
  out.push({
    suite: 'latency',
    what: 'ours vs raw keep-alive HTTP round trip, p50 (median of per-round ratios in brackets)',
    goal: '≤ 5× the wire',
    measured: `${(ours.p50 / wire.p50).toFixed(2)}× (${median(roundP50[stats.indexOf(ours)].map((x, k) => x / roundP50[stats.indexOf(wire)][k])).toFixed(2)}×)`,
    ok: ours.p50 / wire.p50 <= 5,
  });
  const hi = stats.indexOf(hop);
  const oi = stats.indexOf(ours);
  out.push({
    suite: 'latency',
    what: 'one federation hop vs direct (cluster client), p50 (median of per-round ratios in brackets)',
    goal: '≤ 2.2×',
    measured: `${(hop.p50 / ours.p50).toFixed(2)}× (${median(roundP50[hi].map((x, k) => x / roundP50[oi][k])).toFixed(2)}×)`,
    ok: hop.p50 / ours.p50 <= 2.2,
  });
  return out;
}

/** Throughput with `callers` concurrent callers, bare SDK pair vs our cluster client (and the SDK Client on our transport), interleaved. */
export async function runThroughput(opts: { callers: number; seconds: number; rounds: number; log: (s: string) => void }): Promise<ResultRow[]> {
  const sdkServer = await startSdkServer();
  const aop = await startAop([benchAgent('echo')]);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.callers * 2 });
  const sdk = await sdkClient(sdkServer.url);
  const node = await nodeClient(aop.url, agent);
  const cluster = await clusterClient([aop.url]);
  const pairs = [
    { name: 'bare SDK pair', call: () => sdk.callTool({ name: 'echo', arguments: ARGS }), rates: [] as number[], errors: 0 },
    { name: 'ours (cluster client)', call: () => cluster.call('echo', ARGS), rates: [] as number[], errors: 0 },
    { name: 'SDK Client + NodeHttpClientTransport → AopServer', call: () => node.callTool({ name: 'echo', arguments: ARGS }), rates: [] as number[], errors: 0 },
  ];
  const drive = async (p: (typeof pairs)[number], seconds: number): Promise<number> => {
    const until = performance.now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: opts.callers }, async () => {
        while (performance.now() < until) {
          try {
            await p.call();
            done++;
          } catch {
            p.errors++;
          }
        }
      }),
    );
    return done / seconds;
  };
  try {
    for (const p of pairs) await drive(p, 0.5); // warm-up
    for (const p of pairs) p.errors = 0;
    for (let round = 0; round < opts.rounds; round++) {
      for (let k = 0; k < pairs.length; k++) {
        const p = pairs[(k + round) % pairs.length];
        p.rates.push(await drive(p, opts.seconds));
      }
      opts.log(`  throughput round ${round + 1}/${opts.rounds}: ` + pairs.map((p) => `${p.name}=${p.rates[round].toFixed(0)}/s`).join(' '));
    }
  } finally {
    await sdk.close().catch(() => {});
    await node.close().catch(() => {});
    await cluster.close().catch(() => {});
    agent.destroy();
    await sdkServer.close();
    await aop.close();
  }
  const [s, o, n] = pairs.map((p) => median(p.rates));
  const ratio = median(pairs[0].rates.map((x, k) => pairs[1].rates[k] / x));
  return [
    { suite: 'throughput', what: `bare SDK pair, ${opts.callers} concurrent callers (calls/s, median of ${opts.rounds} rounds)`, goal: '—', measured: `${s.toFixed(0)}/s, ${pairs[0].errors} errors` },
    { suite: 'throughput', what: `ours: cluster client → AopServer, ${opts.callers} concurrent callers (calls/s)`, goal: '0 errors', measured: `${o.toFixed(0)}/s, ${pairs[1].errors} errors`, ok: pairs[1].errors === 0 },
    { suite: 'throughput', what: `SDK Client + NodeHttpClientTransport → AopServer, ${opts.callers} callers (calls/s)`, goal: '—', measured: `${n.toFixed(0)}/s, ${pairs[2].errors} errors` },
    { suite: 'throughput', what: 'ours (cluster client) vs bare SDK pair (median of per-round ratios in brackets)', goal: '≥ 3×', measured: `${(o / s).toFixed(2)}× (${ratio.toFixed(2)}×)`, ok: o / s >= 3 },
  ];
}
