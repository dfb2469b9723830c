import * as vscode from 'vscode';
import type { ClusterConfigInput } from '../core';

/** The `aop.*` settings, read fresh each time (changes apply without a reload). */
export interface AopSettings {
  host: string;
  port: number;
  include: string[];
  clusters: ClusterConfigInput[];
  cacheTtlSeconds: number;
  maxRemoteTools: number;
  defaultModel?: string;
  openAiBaseUrl?: string;
  /** `aop.traces.captureContent`: task and answer excerpts in traces. */
  captureTraceContent: boolean;
}

export function readSettings(): AopSettings {
  const c = vscode.workspace.getConfiguration('aop');
  return {
    host: c.get<string>('server.host', '127.0.0.1'),
    port: c.get<number>('server.port', 0),
    include: c.get<string[]>('agents.include', ['**/*.agent.md']),
    clusters: c.get<ClusterConfigInput[]>('clusters', []),
    cacheTtlSeconds: c.get<number>('discovery.cacheTtlSeconds', 60),
    maxRemoteTools: c.get<number>('chat.maxRemoteTools', 32),
    defaultModel: c.get<string>('defaultModel') || undefined,
    openAiBaseUrl: c.get<string>('openai.baseUrl') || undefined,
    captureTraceContent: c.get<boolean>('traces.captureContent', true),
  };
}
