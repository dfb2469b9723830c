/**
 * What the Traces panel answers: every webview message (`src/shared/trace-protocol.ts`) is
 * validated, handled and answered with exactly one reply carrying its `requestId` (the type
 * `REPLY_TYPE` names, or `error` with a message for the user). The editor is reached through a
 * small `TracePanelPort` (`trace-panel.ts` implements it with `vscode`), so this module has no
 * `vscode` import and is unit-tested with a fake port over a real trace store and task store.
 */
import type { AttributeValue, SpanRecord, TraceRecord } from '../core';
import {
  PROTOCOL_VERSION,
  parseWebviewMessage,
  type HostMessage,
  type TraceFilter,
  type WebviewMessage,
  type WebviewState,
} from '../shared/trace-protocol';
import type { TraceFeed, TraceUpdate } from './trace-feed';
import { keptResultMarkdown, type TaskLookup } from './task-result';

/** The stored task is cut at this many characters (IO_ATTRIBUTE_CHARS of the tracer). */
const TASK_CHARS = 512;

/** The editor, as the panel's messages need it. */
export interface TracePanelPort {
  /** Sends a message to the webview. */
  post(message: HostMessage): void;
  warn(message: string): void;
  /** Settles when the traces of earlier sessions are in the store. */
  tracesLoaded(): Promise<void>;
  /** Agents served by the local server (offered in the agent filter even before they ran). */
  agentNames(): string[];
  /** The definition file of a local agent. */
  agentFile(agent: string): string | undefined;
  openFile(file: string): Promise<void>;
  /** Save dialog + OTLP/JSON file; the path, or undefined when cancelled. */
  exportTrace(trace: TraceRecord, defaultName: string): Promise<string | undefined>;
  copyText(text: string): Promise<void>;
  /** Asks the user for (the rest of) a task; undefined when cancelled. */
  editTask(tool: string, partial: string | undefined): Promise<string | undefined>;
  /** Runs Invoke Agent (`aop.invokeAgent`) for a local tool or a cluster's. */
  invokeAgent(target: string | { data: { tool: string; cluster: string } }, task: string): Promise<void>;
  /** The local server's task store (undefined: the server is not running). */
  tasks(): TaskLookup | undefined;
  /** Shows a markdown document (a task's result). */
  /** A task's kept result, read-only. */
  showMarkdown(markdown: string, taskId: string): Promise<void>;
}

export class TraceMessages {
  /** The webview said `ready` and got its `init` (live updates may go out). */
  private ready = false;
  /** A filter asked for by Show Traces before the view was ready. */
  private pendingFilter?: TraceFilter;

  constructor(
    private readonly feed: TraceFeed,
    private readonly port: TracePanelPort,
    initialFilter?: TraceFilter,
  ) {
    this.pendingFilter = initialFilter;
  }

  /** The webview was torn down (hidden); it sends `ready` again when shown. */
  hidden(): void {
    this.ready = false;
  }

  /** Live changes of traces (throttled by the feed). */
  postUpdates(updates: readonly TraceUpdate[]): void {
    if (!this.ready) return;
    const now = Date.now();
    for (const u of updates) this.port.post({ type: 'traceUpdated', now, trace: u.trace, ...(u.spans ? { spans: u.spans } : {}) });
  }

  /** Show Traces with a filter: pushed as a `traces` message (or kept for `init`). */
  applyFilter(filter: TraceFilter): void {
    if (!this.ready) {
      this.pendingFilter = filter;
      return;
    }
    this.port.post({ type: 'traces', filter, traces: this.feed.query(filter), agents: this.agents() });
  }

  /** One message from the webview, answered (never thrown). */
  async receive(data: unknown): Promise<void> {
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      this.port.warn(`traces view: ${parsed.error}`);
      const requestId = (data as { requestId?: unknown } | undefined)?.requestId;
      const echo = typeof requestId === 'string' && requestId.length <= 64 && requestId ? { requestId } : {};
      this.port.post({ type: 'error', ...echo, message: parsed.error });
      return;
    }
    const msg = parsed.message;
    try {
      await this.handle(msg);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.port.warn(`traces view: ${msg.type}: ${message}`);
      this.port.post({ type: 'error', requestId: msg.requestId, message });
    }
  }

  private agents(): string[] {
    return this.feed.agents(this.port.agentNames());
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    const requestId = msg.requestId;
    switch (msg.type) {
      case 'ready':
        return this.init(requestId, msg.state);
      case 'query':
        this.port.post({ type: 'traces', requestId, filter: msg.filter, traces: this.feed.query(msg.filter, msg.limit), agents: this.agents() });
        return;
      case 'selectTrace': {
        this.feed.selected = msg.traceId;
        const detail = this.feed.detail(msg.traceId);
        if (!detail) throw new Error(`trace ${msg.traceId} is no longer stored`);
        this.port.post({ type: 'traceDetail', requestId, trace: detail.trace, spans: detail.spans });
        return;
      }
      case 'openDefinition': {
        const agent = this.record(msg.traceId).agent;
        const file = agent ? this.port.agentFile(agent) : undefined;
        if (!file) throw new Error(agent ? `${agent} has no definition in this workspace (a remote agent?)` : 'the trace names no agent');
        await this.port.openFile(file);
        this.port.post({ type: 'ack', requestId });
        return;
      }
      case 'rerun':
        return this.rerun(requestId, msg.traceId);
      case 'exportTrace': {
        const trace = this.record(msg.traceId);
        const file = await this.port.exportTrace(trace, `trace-${trace.traceId.slice(0, 8)}.otlp.json`);
        this.port.post({ type: 'ack', requestId, message: file ? `Exported to ${file}` : 'Export cancelled' });
        return;
      }
      case 'copyJson': {
        const trace = this.record(msg.traceId);
        await this.port.copyText(JSON.stringify({ traceId: trace.traceId, spans: trace.spans }, null, 2));
        this.port.post({ type: 'ack', requestId, message: `Copied ${trace.spans.length} spans as JSON` });
        return;
      }
      case 'taskInfo': {
        const record = this.port.tasks()?.get(msg.taskId);
        this.port.post({ type: 'taskInfo', requestId, taskId: msg.taskId, ...(record ? { status: record.status } : {}), kept: !!record?.mcp?.result });
        return;
      }
      case 'openTaskResult': {
        const tasks = this.port.tasks();
        if (!tasks) throw new Error('the local server is not running (is the workspace trusted?)');
        await this.port.showMarkdown(keptResultMarkdown(tasks, msg.taskId), msg.taskId);
        this.port.post({ type: 'ack', requestId });
        return;
      }
    }
  }

  private async init(requestId: string, state: WebviewState | undefined): Promise<void> {
    await this.port.tracesLoaded(); // a panel restored at start-up: the old traces are being read
    this.feed.reset();
    const filter = this.pendingFilter ?? state?.filter ?? {};
    this.pendingFilter = undefined;
    const traces = this.feed.query(filter);
    const wanted = state?.selectedTraceId;
    const selected = wanted && this.feed.summary(wanted) ? wanted : traces[0]?.traceId;
    this.feed.selected = selected;
    const detail = selected ? this.feed.detail(selected) : undefined;
    this.port.post({
      type: 'init',
      requestId,
      protocol: PROTOCOL_VERSION,
      now: Date.now(),
      filter,
      traces,
      agents: this.agents(),
      ...(detail ? { detail } : {}),
      ...(detail && state?.selectedSpanId && state.selectedTraceId === selected ? { selectedSpanId: state.selectedSpanId } : {}),
    });
    this.ready = true;
  }

  /** The trace with every span known so far (stored and still running). */
  private record(traceId: string): TraceRecord & { agent?: string } {
    const spans = this.feed.spansOf(traceId);
    const summary = this.feed.summary(traceId);
    if (!summary) throw new Error(`trace ${traceId} is no longer stored`);
    const root = spans.find((s) => s.spanId === findRootId(spans)) ?? spans[0];
    return {
      traceId,
      spans,
      root,
      ...(summary.agent ? { agent: summary.agent } : {}),
      status: summary.status,
      startMs: summary.startMs,
      durationMs: summary.durationMs,
      servers: summary.servers,
    };
  }

  private async rerun(requestId: string, traceId: string): Promise<void> {
    const trace = this.record(traceId);
    const root = trace.root;
    const tool = String(root.attributes['aop.agent'] ?? root.attributes['aop.remote.tool'] ?? '');
    if (!tool) throw new Error('the trace names no agent to re-run');
    let task: AttributeValue | undefined = root.attributes['aop.input.task'];
    if (typeof task !== 'string') {
      // a remote root: the task is on the remote server's invoke span
      const invoke = trace.spans.find((s) => typeof s.attributes['aop.input.task'] === 'string');
      task = invoke?.attributes['aop.input.task'];
    }
    if (typeof task !== 'string' || (task.length >= TASK_CHARS && task.endsWith('…'))) {
      // the trace keeps the first 512 characters only: let the user complete it
      const edited = await this.port.editTask(tool, typeof task === 'string' ? task : undefined);
      if (!edited) {
        this.port.post({ type: 'ack', requestId, message: 'Re-run cancelled' });
        return;
      }
      task = edited;
    }
    const remote = root.attributes['aop.remote.server'];
    const cluster = typeof remote === 'string' && remote.startsWith('cluster ') ? remote.slice('cluster '.length) : undefined;
    this.port.post({ type: 'ack', requestId, message: `Re-running ${tool}…` });
    await this.port.invokeAgent(cluster ? { data: { tool, cluster } } : tool, task);
  }
}

function findRootId(spans: readonly SpanRecord[]): string | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanRecord | undefined;
  for (const s of spans) if ((!s.parentSpanId || !ids.has(s.parentSpanId)) && (!root || s.startMs < root.startMs)) root = s;
  return root?.spanId;
}
