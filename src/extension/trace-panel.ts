/**
 * The Traces webview panel (`aop.traces`): one instance, revealed when open; its HTML is
 * `trace-html.ts`, its data `trace-feed.ts`, its messages `src/shared/trace-protocol.ts`.
 */
import * as vscode from 'vscode';
import type { EditorContext } from './editor-context';
import { TraceFeed, type TraceUpdate } from './trace-feed';
import { traceHtml, newNonce } from './trace-html';
import { toOtlp } from '../core/tracing/otlp';
import type { AttributeValue, SpanRecord, TraceRecord } from '../core/tracing/types';
import {
  PROTOCOL_VERSION,
  parseWebviewMessage,
  parseWebviewState,
  type HostMessage,
  type TraceFilter,
  type WebviewMessage,
  type WebviewState,
} from '../shared/trace-protocol';

export const TRACE_VIEW_TYPE = 'aop.traces';
/** The stored task is cut at this many characters (IO_ATTRIBUTE_CHARS of the tracer). */
const TASK_CHARS = 512;

export interface ShowTracesOptions {
  /** Filter the list to this agent. */
  agent?: string;
}

export class TracePanel implements vscode.Disposable {
  private static current?: TracePanel;
  private readonly feed: TraceFeed;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;
  /** A filter asked for by Show Traces before the view was ready. */
  private pendingFilter?: TraceFilter;

  /** Opens the panel (or reveals the open one); with an agent, filters its list to that agent. */
  static show(ext: EditorContext, options: ShowTracesOptions = {}): TracePanel {
    const filter = options.agent ? { agent: options.agent } : undefined;
    const open = TracePanel.current;
    if (open) {
      open.panel.reveal(undefined, false);
      if (filter) open.applyFilter(filter);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, 'AOP Traces', vscode.ViewColumn.Active, TracePanel.options(ext));
    return new TracePanel(ext, panel, filter);
  }

  /** Registers the serializer that brings the panel back after a reload (`onWebviewPanel:aop.traces`). */
  static registerSerializer(ext: EditorContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        // The webview re-sends its state with `ready`; the saved one is only checked here.
        void parseWebviewState(state);
        panel.webview.options = TracePanel.options(ext);
        TracePanel.current?.dispose();
        new TracePanel(ext, panel, undefined);
      },
    });
  }

  /** The open panel, if any (tests). */
  static get instance(): TracePanel | undefined {
    return TracePanel.current;
  }

  private static options(ext: EditorContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: false, // state comes back through getState + ready
      localResourceRoots: [vscode.Uri.joinPath(ext.context.extensionUri, 'dist')],
    };
  }

  private constructor(
    private readonly ext: EditorContext,
    readonly panel: vscode.WebviewPanel,
    initialFilter: TraceFilter | undefined,
  ) {
    TracePanel.current = this;
    this.pendingFilter = initialFilter;
    this.feed = new TraceFeed(ext.traces, { maxRate: 10 });
    this.feed.onUpdates = (updates) => this.postUpdates(updates);
    panel.iconPath = vscode.Uri.joinPath(ext.context.extensionUri, 'media', 'aop.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((data: unknown) => void this.onMessage(data)),
      panel.onDidChangeViewState(() => {
        // a hidden webview is torn down; it sends `ready` again when shown
        if (!panel.visible) this.ready = false;
      }),
    );
    ext.own(this);
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.ext.context.extensionUri, 'dist');
    return traceHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
    });
  }

  private post(message: HostMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  private postUpdates(updates: TraceUpdate[]): void {
    if (!this.ready) return;
    const now = Date.now();
    for (const u of updates) this.post({ type: 'traceUpdated', now, trace: u.trace, ...(u.spans ? { spans: u.spans } : {}) });
  }

  private applyFilter(filter: TraceFilter): void {
    if (!this.ready) {
      this.pendingFilter = filter;
      return;
    }
    this.post({ type: 'traces', filter, traces: this.feed.query(filter), agents: this.agents() });
  }

  private agents(): string[] {
    return this.feed.agents(this.ext.local.aop?.agents().map((a) => a.name) ?? []);
  }

  private async onMessage(data: unknown): Promise<void> {
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      this.ext.log.warn(`traces view: ${parsed.error}`);
      const requestId = (data as { requestId?: unknown } | undefined)?.requestId;
      this.post({ type: 'error', ...(typeof requestId === 'string' && requestId.length <= 64 && requestId ? { requestId } : {}), message: parsed.error });
      return;
    }
    const msg = parsed.message;
    try {
      await this.handle(msg);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.ext.log.warn(`traces view: ${msg.type}: ${message}`);
      this.post({ type: 'error', requestId: msg.requestId, message });
    }
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.init(msg.requestId, msg.state);
      case 'query':
        this.post({ type: 'traces', requestId: msg.requestId, filter: msg.filter, traces: this.feed.query(msg.filter, msg.limit), agents: this.agents() });
        return;
      case 'selectTrace': {
        this.feed.selected = msg.traceId;
        const detail = this.feed.detail(msg.traceId);
        if (!detail) throw new Error(`trace ${msg.traceId} is no longer stored`);
        this.post({ type: 'traceDetail', requestId: msg.requestId, trace: detail.trace, spans: detail.spans });
        return;
      }
      case 'openDefinition': {
        const agent = this.record(msg.traceId).agent;
        const file = agent ? this.ext.local.aop?.agent(agent)?.source.file : undefined;
        if (!file) throw new Error(agent ? `${agent} has no definition in this workspace (a remote agent?)` : 'the trace names no agent');
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        this.post({ type: 'ack', requestId: msg.requestId });
        return;
      }
      case 'rerun':
        return this.rerun(msg.requestId, msg.traceId);
      case 'exportTrace': {
        const trace = this.record(msg.traceId);
        const uri = await exportOtlp([trace], `trace-${trace.traceId.slice(0, 8)}.otlp.json`);
        this.post({ type: 'ack', requestId: msg.requestId, ...(uri ? { message: `Exported to ${uri.fsPath}` } : { message: 'Export cancelled' }) });
        return;
      }
      case 'copyJson': {
        const trace = this.record(msg.traceId);
        await vscode.env.clipboard.writeText(JSON.stringify({ traceId: trace.traceId, spans: trace.spans }, null, 2));
        this.post({ type: 'ack', requestId: msg.requestId, message: `Copied ${trace.spans.length} spans as JSON` });
        return;
      }
    }
  }

  private async init(requestId: string, state: WebviewState | undefined): Promise<void> {
    await this.ext.tracesLoaded; // a panel restored at start-up: the old traces are being read
    this.feed.reset();
    const filter = this.pendingFilter ?? state?.filter ?? {};
    this.pendingFilter = undefined;
    const traces = this.feed.query(filter);
    const wanted = state?.selectedTraceId;
    const selected = wanted && this.feed.summary(wanted) ? wanted : traces[0]?.traceId;
    this.feed.selected = selected;
    const detail = selected ? this.feed.detail(selected) : undefined;
    this.post({
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
      const edited = await vscode.window.showInputBox({
        title: `Re-run ${tool}`,
        prompt: typeof task === 'string' ? 'The trace kept only the start of the task: complete it' : 'The task for the agent',
        value: typeof task === 'string' ? task : '',
        ignoreFocusOut: true,
      });
      if (!edited) {
        this.post({ type: 'ack', requestId, message: 'Re-run cancelled' });
        return;
      }
      task = edited;
    }
    const remote = root.attributes['aop.remote.server'];
    const cluster = typeof remote === 'string' && remote.startsWith('cluster ') ? remote.slice('cluster '.length) : undefined;
    const target = cluster ? { data: { tool, cluster } } : tool;
    this.post({ type: 'ack', requestId, message: `Re-running ${tool}…` });
    await vscode.commands.executeCommand('aop.invokeAgent', target, task);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (TracePanel.current === this) TracePanel.current = undefined;
    this.feed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function findRootId(spans: readonly SpanRecord[]): string | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanRecord | undefined;
  for (const s of spans) if ((!s.parentSpanId || !ids.has(s.parentSpanId)) && (!root || s.startMs < root.startMs)) root = s;
  return root?.spanId;
}

/** Save dialog + OTLP/JSON file; undefined when cancelled. */
export async function exportOtlp(traces: readonly TraceRecord[], defaultName: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: 'Export traces (OTLP/JSON)',
    saveLabel: 'Export',
    filters: { 'OTLP JSON': ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, defaultName) } : {}),
  });
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(toOtlp(traces), null, 2) + '\n', 'utf8'));
  return uri;
}

/** `aop.exportTraces` (optional agent): every stored trace, or that agent's, to one OTLP/JSON file. */
export async function exportTraces(ext: EditorContext, agent?: string): Promise<vscode.Uri | undefined> {
  const traces = ext.traces.query(agent ? { agent } : {});
  if (traces.length === 0) {
    void vscode.window.showInformationMessage(agent ? `No traces of ${agent} yet.` : 'No traces yet: invoke an agent first.');
    return undefined;
  }
  const uri = await exportOtlp(traces, `${agent ?? 'aop'}-traces.otlp.json`);
  if (uri) void vscode.window.showInformationMessage(`Exported ${traces.length} trace${traces.length === 1 ? '' : 's'} to ${uri.fsPath}`);
  return uri;
}
