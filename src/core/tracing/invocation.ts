import { SpanKind, SpanStatusCode, type SpanContext } from '@opentelemetry/api';
import type { AgentDefinition } from '../agents/definition';
import type { InvocationObserver } from '../execution/executor';
import type { AgentResult } from '../execution/tool-schema';
import type { ChatResponse } from '../models/types';
import { Metrics } from './metrics';
import {
  DEFAULT_MAX_SPANS_BYTES,
  DEFAULT_REMOTE_SPAN_LIMITS,
  type RemoteSpanLimits,
  absorbRemoteSpans,
  encodeSpans,
  extractTraceContext,
  injectTraceContext,
} from './propagation';
import { TraceStore } from './store';
import { AopSpan, AopTracer, truncate } from './tracer';
import { nowMs } from './types';
import { SERVED_BY_META, SPANS_KEY, TRACE_ID_KEY } from '../meta-keys';

/** Characters of the task and of the answer kept on the root span. */
export const IO_ATTRIBUTE_CHARS = 512;

/**
 * The spans of one agent invocation, driven by the executor's hooks:
 * `aop.invoke <tool>` (SERVER) ⊃ `aop.validate`, `aop.queue`, `aop.attempt N` ⊃ `aop.model`, `aop.backoff`.
 */
export class InvocationTrace {
  readonly span: AopSpan;
  readonly observer: InvocationObserver;
  /** The call carried a `traceparent`: the spans go back in the result `_meta`. */
  readonly continued: boolean;
  private validate?: AopSpan;
  private queue?: AopSpan;
  private attempt?: AopSpan;
  private backoffSpan?: AopSpan;
  private modelFrom = 0;
  private attempts = 0;
  private admitted = false;
  private ended = false;

  constructor(
    private readonly tracer: AopTracer,
    private readonly metrics: Metrics | undefined,
    readonly tool: string,
    args: unknown,
    meta: Record<string, unknown> | undefined,
    private readonly agent: AgentDefinition | undefined,
    private readonly maxSpansBytes = DEFAULT_MAX_SPANS_BYTES,
    /** Keep task and answer excerpts on the root span (`aop.traces.captureContent`). */
    private readonly captureContent = true,
  ) {
    const parent = extractTraceContext(meta);
    this.continued = parent !== undefined;
    const task = (args as { task?: unknown } | undefined)?.task;
    this.span = tracer.startChild(`aop.invoke ${tool}`, parent, {
      kind: SpanKind.SERVER,
      attributes: {
        'aop.agent': tool,
        'mcp.method.name': 'tools/call',
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': tool,
        ...(agent?.provider ? { 'gen_ai.provider.name': agent.provider } : {}),
        ...(agent?.model ? { 'gen_ai.request.model': agent.model } : {}),
        ...(typeof task === 'string' && captureContent ? { 'aop.input.task': truncate(task, IO_ATTRIBUTE_CHARS) } : {}),
      },
    });
    this.validate = tracer.startChild('aop.validate', this.span);
    metrics?.started(tool);
    this.observer = {
      queued: () => this.onQueued(),
      admitted: (ms) => this.onAdmitted(ms),
      attemptStarted: (n) => this.onAttemptStarted(n),
      attemptFinished: (n, err) => this.onAttemptFinished(n, err),
      backoff: (n, ms) => this.onBackoff(n, ms),
      modelCalled: (model, response, firstTokenMs) => this.onModel(model, response, firstTokenMs),
      finished: (result) => this.end(result),
    };
  }

  get traceId(): string {
    return this.span.traceId;
  }

  /** The span a tool loop's turns nest under: the running attempt, else the invocation. */
  get loopParent(): AopSpan {
    return this.attempt ?? this.span;
  }

  get spanTracer(): AopTracer {
    return this.tracer;
  }

  private endValidate(error?: string): void {
    if (!this.validate) return;
    this.validate.setStatus(error ? { code: SpanStatusCode.ERROR, message: error } : { code: SpanStatusCode.OK });
    this.validate.end();
    this.validate = undefined;
  }

  private onQueued(): void {
    this.endValidate();
    this.queue = this.tracer.startChild('aop.queue', this.span);
  }

  private onAdmitted(ms: number): void {
    this.admitted = true;
    this.endValidate();
    this.span.setAttribute('aop.queue_ms', Math.round(ms * 1000) / 1000);
    if (this.queue) {
      this.queue.end();
      this.queue = undefined;
    }
  }

  private onAttemptStarted(n: number): void {
    if (this.backoffSpan) {
      this.backoffSpan.end();
      this.backoffSpan = undefined;
    }
    this.attempts = n;
    this.attempt = this.tracer.startChild(`aop.attempt ${n}`, this.span, { attributes: { 'aop.attempt': n } });
    this.modelFrom = nowMs();
  }

  private modelSpan(start: number): AopSpan {
    const a = this.agent;
    return this.tracer.startChild('aop.model', this.attempt ?? this.span, {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: {
        'gen_ai.operation.name': 'chat',
        ...(a?.provider ? { 'gen_ai.provider.name': a.provider } : {}),
        ...(a?.model ? { 'gen_ai.request.model': a.model } : {}),
        ...(a?.temperature !== undefined ? { 'gen_ai.request.temperature': a.temperature } : {}),
        ...(a?.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': a.maxTokens } : {}),
      },
    });
  }

  private onModel(model: string, response: ChatResponse, firstTokenMs?: number): void {
    const start = this.modelFrom || nowMs();
    const s = this.modelSpan(start);
    s.setAttribute('gen_ai.response.model', model);
    if (response.usage?.inputTokens !== undefined) s.setAttribute('gen_ai.usage.input_tokens', response.usage.inputTokens);
    if (response.usage?.outputTokens !== undefined) s.setAttribute('gen_ai.usage.output_tokens', response.usage.outputTokens);
    if (response.finishReason) s.setAttribute('gen_ai.response.finish_reasons', [response.finishReason]);
    if (firstTokenMs !== undefined) {
      s.setAttribute('aop.model.first_token_ms', Math.round(firstTokenMs * 1000) / 1000);
      s.addEvent('gen_ai.first_token', start + firstTokenMs);
    }
    s.setStatus({ code: SpanStatusCode.OK });
    s.end();
    this.modelFrom = nowMs();
  }

  private onAttemptFinished(_n: number, err?: unknown): void {
    const a = this.attempt;
    if (!a) return;
    if (err !== undefined) {
      // The call in flight when the attempt failed is the model's (the only thing an attempt does).
      if (this.modelFrom) this.modelSpan(this.modelFrom).fail(err).end();
      a.fail(err);
    } else a.setStatus({ code: SpanStatusCode.OK });
    a.end();
    this.attempt = undefined;
    this.modelFrom = 0;
  }

  private onBackoff(attempt: number, delayMs: number): void {
    this.backoffSpan?.end();
    this.backoffSpan = this.tracer.startChild('aop.backoff', this.span, {
      attributes: { 'aop.retry.attempt': attempt, 'aop.backoff.delay_ms': Math.round(delayMs) },
    });
  }

  /** Ends the invocation (the executor's `finished`, or the handler when the executor threw). Idempotent. */
  end(result?: AgentResult, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const failure = result ? (result.success ? undefined : result.error ?? 'failed') : error !== undefined ? String(error) : 'no result';
    if (this.validate) this.endValidate(failure && !this.admitted && /^invalid arguments/.test(failure) ? failure : undefined);
    if (this.queue) {
      this.queue.setStatus({ code: SpanStatusCode.ERROR, message: failure ?? 'left the queue' });
      this.queue.end();
    }
    // An attempt still open here was cut short (the call cancelled, or its root out of time): it
    // and its model call end as failed with the call's reason, not with no status at all.
    if (this.attempt) this.onAttemptFinished(this.attempts, new Error(failure ?? 'ended before its attempt finished'));
    this.backoffSpan?.end();
    const root = this.span;
    if (this.attempts) root.setAttribute('aop.attempts', this.attempts);
    root.setAttribute('aop.success', failure === undefined);
    if (failure === undefined) {
      if (this.captureContent) root.setAttribute('aop.output', truncate(result!.result, IO_ATTRIBUTE_CHARS));
      root.setStatus({ code: SpanStatusCode.OK });
    } else {
      root.setAttribute('aop.error', truncate(failure, IO_ATTRIBUTE_CHARS));
      root.setStatus({ code: SpanStatusCode.ERROR, message: failure });
    }
    root.end();
    this.metrics?.finished(this.tool, failure === undefined, root.record.endMs - root.record.startMs);
  }

  /** Keys for the result `_meta`: the trace id always, the spans when the caller sent a traceparent. */
  resultMeta(inProcess = false): Record<string, unknown> {
    const meta: Record<string, unknown> = { [TRACE_ID_KEY]: this.traceId };
    if (this.continued && !inProcess) meta[SPANS_KEY] = encodeSpans(this.traceId, this.span.local.spans, this.maxSpansBytes);
    return meta;
  }
}

export interface ServerTracingOptions {
  /** Server name (Metrics label; span `server` id until `serverId` says more). */
  name: string;
  /** Id of the server for spans, e.g. `name@127.0.0.1:8000` (default: the name). */
  serverId?: () => string;
  /** Shared store (e.g. the extension's); default: a memory-only store of 1,000 traces. */
  store?: TraceStore;
  metrics?: Metrics;
  /** Bound of `_meta["aop/spans"]` in (approximate) bytes. */
  maxSpansBytes?: number;
  /** Record task and answer excerpts (`aop.input.task`, `aop.output`) on root spans (default true). */
  captureContent?: boolean;
  /** Bounds on the spans a remote server's result may add (default DEFAULT_REMOTE_SPAN_LIMITS). */
  remoteSpanLimits?: Partial<RemoteSpanLimits>;
}

export interface RemoteTarget {
  /** MCP endpoint URL of the remote server. */
  url?: string;
  /** Its name or id (e.g. from get_server_info). */
  server?: string;
}

/** Tracing and metrics of one AopServer: a tracer writing into a TraceStore, plus Metrics. */
export class ServerTracing {
  readonly tracer: AopTracer;
  readonly store: TraceStore;
  readonly metrics: Metrics;
  private readonly maxSpansBytes: number;
  private readonly captureContent: boolean;
  /** Bounds on spans absorbed from remote results. */
  readonly remoteSpanLimits: RemoteSpanLimits;

  constructor(options: ServerTracingOptions) {
    this.captureContent = options.captureContent ?? true;
    this.remoteSpanLimits = { ...DEFAULT_REMOTE_SPAN_LIMITS, ...options.remoteSpanLimits };
    this.store = options.store ?? new TraceStore();
    this.metrics = options.metrics ?? new Metrics(options.name);
    this.maxSpansBytes = options.maxSpansBytes ?? DEFAULT_MAX_SPANS_BYTES;
    const id = options.serverId ?? (() => options.name);
    this.tracer = new AopTracer({ sink: this.store, server: id });
  }

  /** Starts the trace of one agent call; `meta` is the tools/call request `_meta` (traceparent). */
  startInvocation(tool: string, args: unknown, meta?: Record<string, unknown>, agent?: AgentDefinition): InvocationTrace {
    return new InvocationTrace(this.tracer, this.metrics, tool, args, meta, agent, this.maxSpansBytes, this.captureContent);
  }

  /**
   * A CLIENT span `aop.remote <tool>` for a call to another server. `parent`: the local span the
   * call is part of, a SpanContext, or the incoming request `_meta` (continues its traceparent);
   * none starts a new trace. Then `injectTraceContext(request._meta, span)`, call, and
   * `endRemoteCall(span, result)` (absorbs the remote spans, sets the status, ends the span).
   */
  startRemoteCall(tool: string, target: RemoteTarget, parent?: AopSpan | SpanContext | Record<string, unknown>): AopSpan {
    let p: AopSpan | SpanContext | undefined;
    if (parent instanceof AopSpan) p = parent;
    else if (parent && typeof parent.traceId === 'string' && typeof parent.spanId === 'string') p = parent as unknown as SpanContext;
    else p = extractTraceContext(parent as Record<string, unknown> | undefined);
    const attributes: Record<string, string | number> = {
      'aop.remote.tool': tool,
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': tool,
    };
    if (target.server) attributes['aop.remote.server'] = target.server;
    if (target.url) {
      attributes['url.full'] = target.url;
      try {
        const u = new URL(target.url);
        attributes['server.address'] = u.hostname;
        if (u.port) attributes['server.port'] = Number(u.port);
      } catch {
        // not a URL: keep url.full only
      }
    }
    return this.tracer.startChild(`aop.remote ${tool}`, p, { kind: SpanKind.CLIENT, attributes });
  }

  async close(): Promise<void> {
    await this.store.flush();
  }
}

/** Request `_meta` for a traced remote call: a copy of `meta` plus the span's traceparent. */
export function tracedMeta(span: AopSpan, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return injectTraceContext({ ...meta }, span);
}

/**
 * Ends an `aop.remote` span with the call's outcome: absorbs the remote spans from the result
 * `_meta`, status error when the call threw or returned `isError`.
 */
export function endRemoteCall(
  span: AopSpan,
  result?: { _meta?: Record<string, unknown>; isError?: boolean; structuredContent?: unknown },
  error?: unknown,
  limits: RemoteSpanLimits = DEFAULT_REMOTE_SPAN_LIMITS,
): void {
  if (result) {
    absorbRemoteSpans(result, span, limits);
    annotateServedBy(span, result._meta?.[SERVED_BY_META]);
  }
  if (error !== undefined) span.fail(error);
  else if (result?.isError) {
    const e = (result.structuredContent as { error?: unknown } | undefined)?.error;
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e === 'string' ? e : 'the remote tool returned isError' });
  } else span.setStatus({ code: SpanStatusCode.OK });
  span.end();
}

/** Which member answered (the cluster's `aop/served_by`): the hop's protocol, server, URL and attempts. */
function annotateServedBy(span: AopSpan, served: unknown): void {
  if (!served || typeof served !== 'object') return;
  const s = served as { server?: unknown; url?: unknown; attempts?: unknown; protocol?: unknown };
  // The hop's protocol: MCP tools/call, or an A2A message to an A2A member.
  span.setAttribute('aop.protocol', s.protocol === 'a2a' ? 'a2a' : 'mcp');
  if (s.protocol === 'a2a') delete span.record.attributes['mcp.method.name'];
  if (typeof s.server === 'string') span.setAttribute('aop.remote.server', s.server);
  if (typeof s.url === 'string') span.setAttribute('url.full', s.url);
  if (typeof s.attempts === 'number') span.setAttribute('aop.remote.attempts', s.attempts);
}

/** Runs both observers' hooks (ours first). */
export function combineObservers(a: InvocationObserver, b: InvocationObserver | undefined): InvocationObserver {
  if (!b) return a;
  const out: InvocationObserver = {};
  for (const k of ['queued', 'admitted', 'attemptStarted', 'attemptFinished', 'backoff', 'modelCalled', 'finished'] as const) {
    const fa = a[k] as ((...args: unknown[]) => void) | undefined;
    const fb = b[k] as ((...args: unknown[]) => void) | undefined;
    if (fa && fb) {
      (out as Record<string, unknown>)[k] = (...args: unknown[]) => {
        fa(...args);
        fb(...args);
      };
    } else if (fa || fb) (out as Record<string, unknown>)[k] = fa ?? fb;
  }
  return out;
}
