import { Role, TaskState, type AgentCard, type Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError } from 'cockatiel';
import { nowMs } from '../clock';
import { TransportFailure } from '../cluster/server-connection';
import { ServerHealthTracker, type ServerHealth } from '../cluster/server-health';
import type { RemoteAgentInfo } from '../cluster/remote-agents';
import { nodeCrypto } from '../lazy-builtins';
import { describeError } from '../mcp-client';
import { A2A_TASK_META, PROTOCOL_META, SPANS_KEY, TRACE_ID_KEY } from '../meta-keys';
import { A2aPeerError, DEFAULT_PEER_LIMITS, fetchAgentCard, peerFetch, type A2aPeerLimits } from './card-fetch';

/*
 * The card and answer mapping (./peer-mapping) and agent results (../execution/tool-schema) build
 * zod schemas when loaded: imported on first use, so a cluster with no A2A member (a cold
 * `aop discover`) never loads zod (bench/NOTES.md, CLI cold start).
 */
const peerMapping = () => import('./peer-mapping');
const toolSchema = () => import('../execution/tool-schema');

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

/**
 * A cluster member that is an A2A agent (A2A v1.0 over JSON-RPC, through the official SDK client):
 * its card is discovered like an MCP server's tools (one agent per card), calls become
 * `SendStreamingMessage` (or `SendMessage` when the card does not stream), cancellation becomes
 * `CancelTask`, the `traceparent` and federation hops travel in the message metadata. Same
 * health figures, latency window and circuit breaker as an MCP member.
 */
export class A2aConnection extends ServerHealthTracker {
  readonly protocol = 'a2a' as const;
  private readonly limits: A2aPeerLimits;
  /** The SDK client and the agents of the card: tool name → tenant ('' for a plain card). */
  private peer?: { client: Client; card: AgentCard; infos: RemoteAgentInfo[]; tenants: Map<string, string>; streaming: boolean };
  private closed = false;

  constructor(private readonly opts: A2aConnectionOptions) {
    // every failure counts toward the breaker (an A2A peer has no "answer on purpose" like a JSON-RPC error of an MCP server)
    super(opts.id, opts.url, opts.name, { breakerFailures: opts.breakerFailures, breakerResetMs: opts.breakerResetMs, counts: () => true });
    this.limits = { ...DEFAULT_PEER_LIMITS, ...opts.limits };
  }

  override health(): ServerHealth {
    return { ...super.health(), agentCount: this.peer?.infos.length ?? 0, protocol: 'a2a' };
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
    const infos = (await peerMapping()).cardToAgentInfos(card, this.url, endpoint);
    const peer = { client, card, infos, tenants: new Map(infos.map((i) => [i.tool.name, i.tenant])), streaming: card.capabilities?.streaming === true };
    this.peer = peer;
    return peer;
  }

  /** Reads the card; never throws (a failure marks the member down with the reason). */
  async discover(timeoutMs: number): Promise<RemoteAgentInfo[] | undefined> {
    const started = nowMs();
    try {
      const peer = await this.connect(timeoutMs);
      this.markUp(nowMs() - started);
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
    if (!task) return (await toolSchema()).toCallToolResult({ result: '', success: false, error: 'invalid arguments: task must be a non-empty string' });
    const started = nowMs();
    this.inFlight++;
    try {
      const result = await this.breaker.execute(() => this.run(name, task, opts));
      this.markUp(nowMs() - started);
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
      messageId: nodeCrypto().randomUUID(),
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
    const [{ StreamState, a2aResult, isFinalState }, { toCallToolResult }] = await Promise.all([peerMapping(), toolSchema()]);
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
          if (stream.task && isFinalState(stream.task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
            answer = stream.task;
            break;
          }
        }
        answer ??= stream.task;
        if (!answer || !('messageId' in answer || isFinalState(answer.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED))) {
          throw new A2aPeerError(`the A2A stream of ${this.name} ended before the task did`);
        }
      } else {
        answer = await peer.client.sendMessage(request, { signal });
        if (!('messageId' in answer)) taskId = answer.id;
      }
      const meta: Record<string, unknown> = { [PROTOCOL_META]: 'a2a' };
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

