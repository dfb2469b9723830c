import type { RoutingStrategy } from './config';

/** What routing needs to know of a server. */
export interface RoutableServer {
  id: string;
  unavailable: boolean;
  inFlightCount: number;
  latencyEwmaMs: number | undefined;
}

/**
 * Orders the replicas of a tool for one call (paper §8.3): the first is tried first, the rest are
 * the failover order. Servers whose breaker is open go last (tried only when nothing else is left).
 */
export class Router {
  private readonly counters = new Map<string, number>();

  constructor(private readonly strategy: RoutingStrategy) {}

  order<T extends RoutableServer>(tool: string, servers: T[]): T[] {
    if (servers.length <= 1) return servers;
    let ordered: T[];
    switch (this.strategy) {
      case 'least-inflight':
        ordered = [...servers].sort((a, b) => a.inFlightCount - b.inFlightCount);
        break;
      case 'latency':
        // Unmeasured servers first, so each gets measured; then the lowest EWMA.
        ordered = [...servers].sort((a, b) => (a.latencyEwmaMs ?? -1) - (b.latencyEwmaMs ?? -1));
        break;
      default: {
        const n = this.counters.get(tool) ?? 0;
        this.counters.set(tool, n + 1);
        const start = n % servers.length;
        ordered = [...servers.slice(start), ...servers.slice(0, start)];
      }
    }
    const up = ordered.filter((s) => !s.unavailable);
    return up.length === ordered.length ? ordered : [...up, ...ordered.filter((s) => s.unavailable)];
  }
}
