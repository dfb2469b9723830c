import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Role, TaskState, type AgentCard, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { z } from 'zod';
import { agentToolInputSchema, agentToolOutputSchema, toCallToolResult, type AgentResult } from '../execution/tool-schema';
import { LatencyWindow } from '../cluster/latency';
import {
  TransportFailure,
  describeError,
  type BreakerState,
  type HealthStatus,
  type RemoteAgentInfo,
  type ServerHealth,
} from '../cluster/server-connection';
import { SPANS_KEY, TRACE_ID_KEY } from '../tracing/propagation';
import { A2aPeerError, DEFAULT_PEER_LIMITS, fetchAgentCard, peerFetch, type A2aPeerLimits } from './card-fetch';
import { SKILLS_ARE_AGENTS } from './cards';

export interface A2aConnectionOptions {
  id: string;
  /** URL of the agent card (`…/.well-known/agent-card.json`). */
  url: string;
  name: string;
  /** Resolved headers (e.g. Authorization), or a function that resolves them (may throw: reported down). */
  headers: () => Record<string, string>;
  breakerFailures: number;
  breakerResetMs: number;
  limits?: Partial<A2aPeerLimits>;
}

/** Result `_meta` key: the A2A task id of a call. */
export const A2A_TASK_META = 'a2a/task_id';
/** Most skills/tags taken from a card into discovery. */
const MAX_SKILLS = 32;
const MAX_TEXT = 2000;

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io }) as Record<string, unknown>;
  return rest;
};
const INPUT_SCHEMA = schema(agentToolInputSchema, 'input') as Tool['inputSchema'];
const OUTPUT_SCHEMA = schema(agentToolOutputSchema, 'output') as Tool['outputSchema'];

/** A tool name from a card name: letters, digits, `_` and `-`, at most 40 characters. */
export function a2aToolName(cardName: string): string {
  const n = cardName.trim().replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return n || 'agent';
}

const cut = (s: unknown, n = MAX_TEXT) => (typeof s === 'string' ? (s.length > n ? `${s.slice(0, n - 1)}…` : s) : '');

/**
 * Discovery info of an A2A card: one agent per card (skills become its tags and capabilities), or
 * — for a card declaring SKILLS_ARE_AGENTS (an AOP server card) — one agent per skill, called
 * with `tenant` = the skill id.
 */
export function cardToAgentInfos(card: AgentCard, cardUrl: string, endpoint: string): Array<RemoteAgentInfo & { tenant: string }> {
  if (!card.capabilities?.extensions.some((e) => e.uri === SKILLS_ARE_AGENTS)) return [{ ...cardToAgentInfo(card, cardUrl, endpoint), tenant: '' }];
  const seen = new Set<string>();
  const out: Array<RemoteAgentInfo & { tenant: string }> = [];
  for (const skill of card.skills.slice(0, 1000)) {
    const name = a2aToolName(skill.id);
    if (!skill.id || seen.has(name)) continue;
    seen.add(name);
    const info = cardToAgentInfo({ ...card, name: skill.id, description: skill.description, skills: [] }, cardUrl, endpoint);
    info.tags = [...new Set(skill.tags.map((t) => cut(t, 64)))].filter(Boolean).slice(0, MAX_SKILLS);
    (info.tool._meta!['aop/agent'] as Record<string, unknown>).tags = info.tags;
    (info.tool._meta!['aop/a2a'] as Record<string, unknown>).tenant = skill.id;
    out.push({ ...info, tenant: skill.id });
  }
  return out;
}

function cardToAgentInfo(card: AgentCard, cardUrl: string, endpoint: string): RemoteAgentInfo {
  const skills = card.skills.slice(0, MAX_SKILLS);
  const tags = [...new Set(skills.flatMap((s) => s.tags.map((t) => cut(t, 64))))].filter(Boolean).slice(0, MAX_SKILLS);
  const capabilities = [...new Set(skills.map((s) => cut(s.name || s.id, 64)))].filter(Boolean);
  const skillText = skills.length ? ` Skills: ${skills.map((s) => cut(s.name || s.id, 64)).join(', ')}.` : '';
  const description = cut(`${cut(card.description, MAX_TEXT)}${skillText}`, MAX_TEXT) || `A2A agent ${cut(card.name, 80)}`;
  const name = a2aToolName(card.name);
  const tool: Tool = {
    name,
    title: cut(card.name, 80),
    description,
    inputSchema: INPUT_SCHEMA,
    outputSchema: OUTPUT_SCHEMA,
    annotations: { title: cut(card.name, 80), openWorldHint: true, readOnlyHint: false, destructiveHint: false },
    _meta: {
      'aop/agent': { model: null, provider: 'a2a', tags, capabilities, role: 'worker' },
      'aop/a2a': { card: cardUrl, endpoint, version: cut(card.version, 64), streaming: card.capabilities?.streaming === true },
    },
  };
  return { tool, isAgent: true, description, tags, capabilities, role: 'worker' };
}

/** Text of parts: text as is (streamed chunks are parts of one artifact, so no separator), data as JSON. */
function partsText(parts: Part[]): string {
  return parts.map((p) => (p.content?.$case === 'text' ? p.content.value : p.content?.$case === 'data' ? JSON.stringify(p.content.value) : '')).join('');
}

/** An A2A answer (final task or message) as an AOP agent result. */
export function a2aResult(answer: Task | Message): AgentResult {
  if ('messageId' in answer) return { result: partsText(answer.parts), success: true, error: null };
  const state = answer.status?.state;
  const said = answer.status?.message ? partsText(answer.status.message.parts) : '';
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
      return { result: answer.artifacts.map((a) => partsText(a.parts)).filter(Boolean).join('\n') || said, success: true, error: null };
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return {
        result: '',
        success: false,
        error: `the A2A agent needs ${state === TaskState.TASK_STATE_AUTH_REQUIRED ? 'authentication' : 'more input'}${said ? `: ${said}` : ''} (AOP calls are one message each)`,
      };
    case TaskState.TASK_STATE_CANCELED:
      return { result: '', success: false, error: `the A2A task was canceled${said ? `: ${said}` : ''}` };
    case TaskState.TASK_STATE_REJECTED:
      return { result: '', success: false, error: `the A2A agent rejected the task${said ? `: ${said}` : ''}` };
    case TaskState.TASK_STATE_FAILED:
      return { result: '', success: false, error: said || 'the A2A task failed' };
    default:
      return { result: '', success: false, error: `the A2A task ended in state ${TaskState[state ?? TaskState.TASK_STATE_UNSPECIFIED] ?? state}` };
  }
}

const FINAL_STATES = new Set<TaskState>([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
  TaskState.TASK_STATE_AUTH_REQUIRED,
]);

/**
 * A cluster member that is an A2A agent (A2A v1.0 over JSON-RPC, through the official SDK client):
 * its card is discovered like an MCP server's tools (one agent per card), calls become
 * `SendStreamingMessage` (or `SendMessage` when the card does not stream), cancellation becomes
 * `CancelTask`, the `traceparent` and federation hops travel in the message metadata. Same
 * health figures, latency window and circuit breaker as an MCP member.
 */
export class A2aConnection extends EventEmitter<{ health: [ServerHealth]; toolsChanged: [] }> {
  readonly id: string;
  readonly url: string;
  readonly name: string;
  readonly protocol = 'a2a' as const;
  private readonly limits: A2aPeerLimits;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly latency = new LatencyWindow();
  /** The SDK client and the agents of the card: tool name → tenant ('' for a plain card). */
  private peer?: { client: Client; card: AgentCard; infos: RemoteAgentInfo[]; tenants: Map<string, string>; streaming: boolean };
  private inFlight = 0;
  private status: HealthStatus = 'unknown';
  private lastError?: string;
  private lastErrorAt?: number;
  private checkedAt?: number;
  private openedAt = 0;
  private closed = false;

  constructor(private readonly opts: A2aConnectionOptions) {
    super();
    this.id = opts.id;
    this.url = opts.url;
    this.name = opts.name;
    this.limits = { ...DEFAULT_PEER_LIMITS, ...opts.limits };
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: opts.breakerResetMs, breaker: new ConsecutiveBreaker(opts.breakerFailures) });
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      this.emit('health', this.health());
    });
  }

  get breakerState(): BreakerState {
    const s = this.breaker.state;
    return s === CircuitState.Open || s === CircuitState.Isolated ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'closed';
  }

  get unavailable(): boolean {
    return this.breaker.state === CircuitState.Open && Date.now() - this.openedAt < this.opts.breakerResetMs;
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
      agentCount: this.peer?.infos.length ?? 0,
      inFlight: this.inFlight,
      isAop: false,
      protocol: 'a2a',
      checkedAt: this.checkedAt,
    };
  }

  private markUp(ms: number): void {
    this.latency.add(ms);
    this.checkedAt = Date.now();
    const next: HealthStatus = this.lastErrorAt !== undefined && Date.now() - this.lastErrorAt < 30_000 ? 'degraded' : 'up';
    const changed = next !== this.status;
    this.status = next;
    if (changed) this.emit('health', this.health());
  }

  private markDown(error: string): void {
    this.lastError = error;
    this.lastErrorAt = Date.now();
    this.checkedAt = Date.now();
    this.status = 'down';
    this.emit('health', this.health());
  }

  /** Reads the card (bounded, checked) and builds the SDK client for its JSON-RPC endpoint. */
  private async connect(timeoutMs: number, signal?: AbortSignal) {
    if (this.closed) throw new TransportFailure(`connection to ${this.name} is closed`, this.id);
    const headers = this.opts.headers();
    const limit = AbortSignal.timeout(timeoutMs);
    const { card, endpoint } = await fetchAgentCard(this.url, headers, this.limits, signal ? AbortSignal.any([signal, limit]) : limit);
    const fetchImpl = peerFetch(new URL(this.url).origin, () => headers, this.limits);
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] }),
    );
    const client = await factory.createFromAgentCard(card);
    const infos = cardToAgentInfos(card, this.url, endpoint);
    const peer = { client, card, infos, tenants: new Map(infos.map((i) => [i.tool.name, i.tenant])), streaming: card.capabilities?.streaming === true };
    this.peer = peer;
    return peer;
  }

  /** Reads the card; never throws (a failure marks the member down with the reason). */
  async discover(timeoutMs: number): Promise<RemoteAgentInfo[] | undefined> {
    const started = performance.now();
    try {
      const peer = await this.connect(timeoutMs);
      this.markUp(performance.now() - started);
      return peer.infos;
    } catch (err) {
      this.peer = undefined;
      const timedOut = (err as Error)?.name === 'TimeoutError';
      this.markDown(timedOut ? `${this.name} did not answer discovery within ${timeoutMs} ms` : describeError(err, this.url));
      return undefined;
    }
  }

  /**
   * Sends the task as one A2A message and waits for the task to end. An answer — also a failed
   * or canceled task — is returned as an agent result; an unreachable peer, a broken stream, an
   * answer past the caps or the timeout throw TransportFailure (the cluster fails over).
   */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    opts: {
      timeoutMs: number;
      signal?: AbortSignal;
      meta?: Record<string, unknown>;
      onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
    },
  ): Promise<CallToolResult> {
    if (this.peer && !this.peer.tenants.has(name)) throw Object.assign(new Error(`Unknown tool: ${name}`), { code: -32602 });
    const task = typeof args.task === 'string' ? args.task : '';
    if (!task) return toCallToolResult({ result: '', success: false, error: 'invalid arguments: task must be a non-empty string' });
    const started = performance.now();
    this.inFlight++;
    try {
      const result = await this.breaker.execute(() => this.run(name, task, opts));
      this.markUp(performance.now() - started);
      return result;
    } catch (err) {
      if (opts.signal?.aborted || /^Unknown tool/.test((err as Error)?.message)) throw err;
      const why =
        err instanceof BrokenCircuitError
          ? `circuit breaker open for ${this.name}`
          : (err as Error)?.name === 'TimeoutError'
            ? `${this.name} did not finish the A2A task within ${opts.timeoutMs} ms (task canceled)`
            : describeError(err instanceof Error && err.cause instanceof A2aPeerError ? err.cause : err, this.url);
      if (!(err instanceof BrokenCircuitError)) {
        this.markDown(why);
        this.peer = undefined; // read the card again next time
      }
      throw new TransportFailure(why, this.id);
    } finally {
      this.inFlight--;
    }
  }

  private async run(tool: string, task: string, opts: { timeoutMs: number; signal?: AbortSignal; meta?: Record<string, unknown>; onprogress?: (p: { progress: number; message?: string }) => void }): Promise<CallToolResult> {
    const peer = this.peer ?? (await this.connect(Math.min(opts.timeoutMs, 10_000), opts.signal));
    const tenant = peer.tenants.get(tool);
    if (tenant === undefined) throw Object.assign(new Error(`Unknown tool: ${tool}`), { code: -32602 });
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const message: Message = {
      messageId: randomUUID(),
      contextId: '',
      taskId: '',
      role: Role.ROLE_USER,
      parts: [{ content: { $case: 'text', value: task }, mediaType: 'text/plain', filename: '', metadata: undefined }],
      // traceparent / tracestate and the federation hops: the peer continues the trace.
      metadata: opts.meta && Object.keys(opts.meta).length ? { ...opts.meta } : undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    const request = { tenant, message, configuration: undefined, metadata: undefined };
    let taskId = '';
    try {
      let answer: Task | Message | undefined;
      if (peer.streaming) {
        const stream = new StreamState();
        for await (const e of peer.client.sendMessageStream(request, { signal })) {
          const p = e.payload;
          if (!p) continue;
          if (p.$case === 'message') {
            answer = p.value;
            break;
          }
          if (p.$case === 'task') taskId ||= p.value.id;
          if (p.$case === 'statusUpdate') taskId ||= p.value.taskId;
          const delta = stream.apply(p);
          if (delta && opts.onprogress) opts.onprogress({ progress: stream.chars, message: delta });
          if (stream.task && FINAL_STATES.has(stream.task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
            answer = stream.task;
            break;
          }
        }
        answer ??= stream.task;
        if (!answer || !('messageId' in answer || FINAL_STATES.has(answer.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED))) {
          throw new A2aPeerError(`the A2A stream of ${this.name} ended before the task did`);
        }
      } else {
        answer = await peer.client.sendMessage(request, { signal });
        if (!('messageId' in answer)) taskId = answer.id;
      }
      const meta: Record<string, unknown> = { 'aop/protocol': 'a2a' };
      if (!('messageId' in answer)) {
        meta[A2A_TASK_META] = answer.id;
        const m = answer.metadata ?? {};
        if (m[SPANS_KEY] !== undefined) meta[SPANS_KEY] = m[SPANS_KEY];
        if (typeof m[TRACE_ID_KEY] === 'string') meta[TRACE_ID_KEY] = m[TRACE_ID_KEY];
      }
      return toCallToolResult(a2aResult(answer), meta);
    } catch (err) {
      // Cancelled by our caller, or past the timeout: tell the peer to stop the task.
      if (taskId && signal.aborted) void this.cancelRemote(peer.client, tenant, taskId);
      throw err;
    }
  }

  private async cancelRemote(client: Client, tenant: string, id: string): Promise<void> {
    try {
      await client.cancelTask({ tenant, id, metadata: undefined }, { signal: AbortSignal.timeout(5000) });
    } catch {
      // best effort: the peer may have finished or gone
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.peer = undefined;
  }
}

/** The task as a stream tells it: status and artifact updates folded into one Task. */
class StreamState {
  task?: Task;
  chars = 0;

  apply(p: NonNullable<import('@a2a-js/sdk').StreamResponse['payload']>): string {
    switch (p.$case) {
      case 'task':
        this.task = { ...p.value, artifacts: [...p.value.artifacts] };
        return '';
      case 'statusUpdate':
        this.task ??= emptyTask(p.value.taskId, p.value.contextId);
        this.task.status = p.value.status;
        if (p.value.metadata) this.task.metadata = { ...this.task.metadata, ...p.value.metadata };
        return '';
      case 'artifactUpdate': {
        const a = p.value.artifact;
        if (!a) return '';
        this.task ??= emptyTask(p.value.taskId, p.value.contextId);
        const list = this.task.artifacts;
        const i = list.findIndex((x) => x.artifactId === a.artifactId);
        const delta = partsText(a.parts);
        if (i >= 0 && p.value.append) list[i] = { ...list[i], parts: [...list[i].parts, ...a.parts] } as Artifact;
        else if (i >= 0) list[i] = a;
        else list.push(a);
        if (!p.value.append && i >= 0) return ''; // a replacement (final artifact): no new text
        this.chars += delta.length;
        return delta;
      }
      default:
        return '';
    }
  }
}

function emptyTask(id: string, contextId: string): Task {
  return { id, contextId, status: undefined, artifacts: [], history: [], metadata: {} };
}
