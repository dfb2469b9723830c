import type * as vscode from 'vscode';
import { type AopHost, type Metrics, type TraceStore } from '../core';
import type { ClusterManager } from './clusters';
import type { AgentExplorer } from './explorer/tree';
import type { LocalServer } from './local-server';
import type { AopMcpProvider } from './mcp-provider';
import type { ResultDocuments } from './result-documents';
import type { UriHandlerSignIn } from './sign-in';

/**
 * What commands and panels get from the extension (AgentExtension implements it): they depend on
 * this, not on the class that registers them, so there is no extension ↔ commands import circle.
 */
export interface EditorContext {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  /** Settles with the host once its bundle is loaded (right after activation): `host`, `traces` and `metrics` are there from then on. */
  readonly hostLoaded: Promise<AopHost>;
  readonly host: AopHost;
  readonly local: LocalServer;
  readonly clusters: ClusterManager;
  readonly explorer: AgentExplorer;
  readonly mcp: AopMcpProvider;
  readonly signIn: UriHandlerSignIn;
  readonly results: ResultDocuments;
  readonly traces: TraceStore;
  /** Settles when the traces of earlier sessions are in `traces`. */
  readonly tracesLoaded: Promise<void>;
  readonly metrics: Metrics;
  reloadClusters(): Promise<void>;
  /** Disposed with the extension. */
  own<T extends vscode.Disposable>(d: T): T;
}
