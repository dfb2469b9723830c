import type { Histogram } from 'hdr-histogram-js';
// The plain-JS 32-bit histogram itself: the package's index also loads its WebAssembly build
// (base64 in JS), the log encoder and pako (~140 KB minified) that nothing here uses.
import Int32Histogram from 'hdr-histogram-js/dist/Int32Histogram';

/** What `build({ bitBucketSize: 32, autoResize: true, useWebAssembly: false, … })` of hdr-histogram-js returns. */
function int32Histogram(lowest: number, highest: number, digits: number): Histogram {
  const h = new Int32Histogram(lowest, highest, digits);
  h.autoResize = true;
  return h;
}

/** Latency histogram in microseconds: 3 significant digits (0.1 % precision), grows as needed. */
export class LatencyHistogram {
  private readonly h: Histogram = int32Histogram(1, 60_000_000 /* 1 min in µs; auto-resizes beyond */, 3);
  private sumMs = 0;

  record(ms: number): void {
    this.sumMs += ms;
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  get sum(): number {
    return this.sumMs;
  }

  /** The latency at `p` percent (0-100), in ms; 0 when empty. */
  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000;
  }

  get max(): number {
    return this.h.totalCount === 0 ? 0 : this.h.maxValue / 1000;
  }

  get mean(): number {
    return this.h.totalCount === 0 ? 0 : this.sumMs / this.h.totalCount;
  }

  reset(): void {
    this.h.reset();
    this.sumMs = 0;
  }
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface CallMetrics {
  count: number;
  errors: number;
  in_flight: number;
  /** Milliseconds, over every finished call since the server started. */
  latency_ms: LatencySummary;
}

export interface MetricsSnapshot {
  server: string;
  since: string;
  total: CallMetrics;
  agents: Record<string, CallMetrics>;
}

class Counters {
  count = 0;
  errors = 0;
  inFlight = 0;
  readonly latency = new LatencyHistogram();

  snapshot(): CallMetrics {
    const l = this.latency;
    const r = (n: number) => Math.round(n * 1000) / 1000;
    return {
      count: this.count,
      errors: this.errors,
      in_flight: this.inFlight,
      latency_ms: { p50: r(l.percentile(50)), p95: r(l.percentile(95)), p99: r(l.percentile(99)), mean: r(l.mean), max: r(l.max) },
    };
  }
}

/** Call metrics per agent and per server: count, errors, in-flight, P50/P95/P99 latency. */
export class Metrics {
  private readonly agents = new Map<string, Counters>();
  private readonly total = new Counters();
  readonly since = Date.now();

  constructor(public server = 'aop') {}

  private of(agent: string): Counters {
    let c = this.agents.get(agent);
    if (!c) {
      c = new Counters();
      this.agents.set(agent, c);
    }
    return c;
  }

  /** A call started (counts as in flight until `finished`). */
  started(agent: string): void {
    this.of(agent).inFlight++;
    this.total.inFlight++;
  }

  finished(agent: string, ok: boolean, latencyMs: number): void {
    for (const c of [this.of(agent), this.total]) {
      c.inFlight = Math.max(0, c.inFlight - 1);
      c.count++;
      if (!ok) c.errors++;
      c.latency.record(latencyMs);
    }
  }

  agent(name: string): CallMetrics | undefined {
    return this.agents.get(name)?.snapshot();
  }

  snapshot(): MetricsSnapshot {
    const agents: Record<string, CallMetrics> = {};
    for (const [name, c] of this.agents) agents[name] = c.snapshot();
    return { server: this.server, since: new Date(this.since).toISOString(), total: this.total.snapshot(), agents };
  }

  /** Prometheus text exposition format (version 0.0.4). */
  prometheus(): string {
    const out: string[] = [];
    const srv = `server="${escapeLabel(this.server)}"`;
    const rows = [...this.agents].map(([name, c]) => ({ labels: `${srv},agent="${escapeLabel(name)}"`, c }));
    const family = (name: string, type: string, help: string, line: (labels: string, c: Counters) => string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const r of rows) out.push(...line(r.labels, r.c));
    };
    family('aop_agent_calls_total', 'counter', 'Finished agent calls.', (l, c) => [`aop_agent_calls_total{${l}} ${c.count}`]);
    family('aop_agent_errors_total', 'counter', 'Agent calls that failed.', (l, c) => [`aop_agent_errors_total{${l}} ${c.errors}`]);
    family('aop_agent_in_flight', 'gauge', 'Agent calls running or queued now.', (l, c) => [`aop_agent_in_flight{${l}} ${c.inFlight}`]);
    family('aop_agent_call_duration_seconds', 'summary', 'Agent call latency (since start).', (l, c) => summary('aop_agent_call_duration_seconds', l, c));
    const t = this.total;
    out.push(
      '# HELP aop_server_calls_total Finished agent calls on this server.',
      '# TYPE aop_server_calls_total counter',
      `aop_server_calls_total{${srv}} ${t.count}`,
      '# HELP aop_server_errors_total Failed agent calls on this server.',
      '# TYPE aop_server_errors_total counter',
      `aop_server_errors_total{${srv}} ${t.errors}`,
      '# HELP aop_server_in_flight Agent calls running or queued on this server now.',
      '# TYPE aop_server_in_flight gauge',
      `aop_server_in_flight{${srv}} ${t.inFlight}`,
      '# HELP aop_server_call_duration_seconds Agent call latency on this server (since start).',
      '# TYPE aop_server_call_duration_seconds summary',
      ...summary('aop_server_call_duration_seconds', srv, t),
    );
    return out.join('\n') + '\n';
  }
}

function summary(name: string, labels: string, c: Counters): string[] {
  const q = (p: number) => num(c.latency.percentile(p) / 1000);
  return [
    `${name}{${labels},quantile="0.5"} ${q(50)}`,
    `${name}{${labels},quantile="0.95"} ${q(95)}`,
    `${name}{${labels},quantile="0.99"} ${q(99)}`,
    `${name}_sum{${labels}} ${num(c.latency.sum / 1000)}`,
    `${name}_count{${labels}} ${c.latency.count}`,
  ];
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 1e9) / 1e9) : 'NaN';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
