/** Agent lifecycle (paper §6.1): δ: States × Events → States. */
export type AgentState = 'INIT' | 'REGISTERED' | 'ACTIVE' | 'BUSY' | 'ERROR' | 'TERMINATED';
export type LifecycleEvent = 'register' | 'activate' | 'invoke' | 'complete' | 'fail' | 'terminate';

/**
 * The transition function. BUSY is left when the last in-flight call ends: `complete` goes
 * to ACTIVE, `fail` to ERROR (a later success brings the agent back to ACTIVE). TERMINATED is final.
 */
export function transition(state: AgentState, event: LifecycleEvent, inFlightAfter = 0): AgentState {
  if (state === 'TERMINATED') return state;
  switch (event) {
    case 'register':
      return state === 'INIT' ? 'REGISTERED' : state;
    case 'activate':
      return state === 'INIT' || state === 'REGISTERED' ? 'ACTIVE' : state;
    case 'invoke':
      return 'BUSY';
    case 'complete':
      return inFlightAfter > 0 ? 'BUSY' : 'ACTIVE';
    case 'fail':
      return inFlightAfter > 0 ? 'BUSY' : 'ERROR';
    case 'terminate':
      return 'TERMINATED';
  }
}

/** Live counters of one agent, shared by the server, discovery tools, metrics and the tree. */
export class AgentRuntime {
  state: AgentState = 'INIT';
  inFlight = 0;
  queued = 0;
  completed = 0;
  failed = 0;
  lastLatencyMs?: number;
  lastError?: string;
  private totalLatencyMs = 0;

  constructor(readonly name: string) {}

  apply(event: LifecycleEvent): AgentState {
    this.state = transition(this.state, event, this.inFlight);
    return this.state;
  }

  started(): void {
    this.inFlight++;
    this.apply('invoke');
  }

  finished(ok: boolean, latencyMs: number, error?: string): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.lastLatencyMs = latencyMs;
    this.totalLatencyMs += latencyMs;
    if (ok) {
      this.completed++;
      this.lastError = undefined;
    } else {
      this.failed++;
      this.lastError = error;
    }
    this.apply(ok ? 'complete' : 'fail');
  }

  get averageLatencyMs(): number {
    const n = this.completed + this.failed;
    return n === 0 ? 0 : this.totalLatencyMs / n;
  }
}
