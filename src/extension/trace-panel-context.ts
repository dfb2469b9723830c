/**
 * What the Traces panel needs of the extension (`EditorContext`, so `AgentExtension`, is one) and
 * its view type: shared by the panel (trace-panel.ts, a bundle of its own) and the entry's
 * trace-panel-loader.ts, which loads it.
 */
import type * as vscode from 'vscode';
import type { AopServer, TraceStore } from '../core';

/** The panel's view type (package.json: `onWebviewPanel:aop.traces`). */
export const TRACE_VIEW_TYPE = 'aop.traces';

/** What the panel uses of the extension (`EditorContext` is one). */
export interface TracePanelContext {
  readonly context: { readonly extensionUri: vscode.Uri };
  /** Settles when the host (and `traces`) is loaded: right after activation. */
  readonly hostLoaded: PromiseLike<unknown>;
  readonly traces: TraceStore;
  /** Settles when the traces of earlier sessions are in `traces`. */
  readonly tracesLoaded: Promise<void>;
  readonly log: { warn(message: string): void };
  readonly local: { readonly aop?: Pick<AopServer, 'agents' | 'agent' | 'tasks'> };
  /** Where a task's kept result opens, read-only. */
  readonly results: { showTask(taskId: string, markdown: string): Thenable<unknown> };
  own<T extends vscode.Disposable>(d: T): T;
}

export interface ShowTracesOptions {
  /** Filter the list to this agent. */
  agent?: string;
}
