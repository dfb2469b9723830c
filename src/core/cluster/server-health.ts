import { EventEmitter } from 'node:events';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { LatencyWindow } from './latency';

export type HealthStatus = 'unknown' | 'up' | 'degraded' | 'down';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ServerHealth {
  id: string;
  url: string;
  name: string;
  status: HealthStatus;
  /** Median of the recent call and discovery latencies, ms. */
  latencyP50Ms?: number;
  latencyEwmaMs?: number;
  lastError?: string;
  lastErrorAt?: number;
  breaker: BreakerState;
  agentCount: number;
  inFlight: number;
  isAop: boolean;
  /** Protocol of the member (absent: MCP). */
  protocol?: 'mcp' | 'a2a';
  checkedAt?: number;
  /** What was refused from this server at the last discovery (odd names, tools past the caps). */
  warnings?: string[];
  /** The server wants a sign-in (MCP authorization) that has not happened or expired. */
  needsSignIn?: boolean;
}

/** A JSON-RPC error the server sent on purpose (bad params, unknown tool): an answer, not a failure. */
export function isProtocolAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' && code >= -32603 && code <= -32600 && !/timed out|Connection closed/i.test(String((err as Error).message));
}

/**
 * The health side of a cluster member: its circuit breaker (cockatiel; JSON-RPC errors the
 * server sent on purpose do not count), latency window, up/degraded/down status, last error,
 * warnings and in-flight count, reported as `health` events. The connection side
 * (ServerConnection, and A2aConnection for an A2A member) extends it and marks its calls up or down.
 */
export abstract class ServerHealthTracker extends EventEmitter<{ health: [ServerHealth]; toolsChanged: [] }> {
  private _breaker?: CircuitBreakerPolicy;
  private readonly latency = new LatencyWindow();
  protected inFlight = 0;
  private status: HealthStatus = 'unknown';
  private lastError?: string;
  private lastErrorAt?: number;
  private checkedAt?: number;
  protected agentCount = 0;
  protected isAop = false;
  private openedAt = 0;
  protected warnings: string[] = [];

  constructor(
    readonly id: string,
    readonly url: string,
    readonly name: string,
    private readonly breakerOpts: {
      breakerFailures: number;
      breakerResetMs: number;
      /** Which errors count toward the breaker (default: all but JSON-RPC errors sent on purpose). */
      counts?: (err: Error) => boolean;
    },
    private readonly signIn?: { needsSignIn?: boolean },
  ) {
    super();
  }

  /**
   * The circuit breaker, made on the first call through it: until then it is closed. (Discovery
   * does not go through it, so a cold `aop discover` does not load cockatiel: bench/NOTES.md,
   * CLI cold start.)
   */
  protected get breaker(): CircuitBreakerPolicy {
    if (this._breaker) return this._breaker;
    const b = circuitBreaker(handleWhen(this.breakerOpts.counts ?? ((e) => !isProtocolAnswer(e))), {
      halfOpenAfter: this.breakerOpts.breakerResetMs,
      breaker: new ConsecutiveBreaker(this.breakerOpts.breakerFailures),
    });
    b.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      this.emitHealth();
    });
    return (this._breaker = b);
  }

  get breakerState(): BreakerState {
    if (!this._breaker) return 'closed';
    switch (this._breaker.state) {
      case CircuitState.Open:
      case CircuitState.Isolated:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'closed';
    }
  }

  /**
   * True when the breaker would refuse a call right now. An open breaker whose reset time has
   * passed lets a trial call through (cockatiel half-opens on the next call, not by itself), so
   * the server is routed normally again; otherwise it would stay last in the order and never heal.
   */
  get unavailable(): boolean {
    const state = this._breaker?.state;
    if (state === undefined) return false;
    if (state === CircuitState.Isolated) return true;
    return state === CircuitState.Open && Date.now() - this.openedAt < this.breakerOpts.breakerResetMs;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get latencyEwmaMs(): number | undefined {
    return this.latency.ewma;
  }

  health(): ServerHealth {
    const breaker = this.breakerState;
    let status = this.status;
    if (breaker === 'open') status = 'down';
    else if (breaker === 'half-open' && status === 'up') status = 'degraded';
    return {
      id: this.id,
      url: this.url,
      name: this.name,
      status,
      latencyP50Ms: this.latency.p50,
      latencyEwmaMs: this.latency.ewma,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      breaker,
      agentCount: this.agentCount,
      inFlight: this.inFlight,
      isAop: this.isAop,
      checkedAt: this.checkedAt,
      ...(this.warnings.length ? { warnings: [...this.warnings] } : {}),
      ...(this.signIn?.needsSignIn ? { needsSignIn: true } : {}),
    };
  }

  /** Adds a warning to this server's health (e.g. the cluster's total tool cap cut its tools). */
  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.emitHealth();
  }

  /** Forgets the last failure (after the user fixed its cause, e.g. signed in). */
  forgetFailure(): void {
    this.lastError = undefined;
    this.lastErrorAt = undefined;
  }

  protected emitHealth(): void {
    this.emit('health', this.health());
  }

  protected markUp(latencyMs: number): void {
    this.latency.add(latencyMs);
    this.checkedAt = Date.now();
    const recentFailure = this.lastErrorAt !== undefined && Date.now() - this.lastErrorAt < 30_000;
    const next: HealthStatus = recentFailure ? 'degraded' : 'up';
    const changed = next !== this.status;
    this.status = next;
    if (changed) this.emitHealth();
  }

  protected markDown(error: string): void {
    this.lastError = error;
    this.lastErrorAt = Date.now();
    this.checkedAt = Date.now();
    this.status = 'down';
    this.emitHealth();
  }
}
