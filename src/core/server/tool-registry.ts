import { EventEmitter } from 'node:events';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { TaskRecord } from '../tasks/store';
import type { CallStep } from '../tasks/progress';

/** What a tool handler gets from the MCP request. */
export interface ToolCallContext {
  signal: AbortSignal;
  /**
   * The controller behind `signal` when the caller owns it for this call alone (the transport's
   * direct path): the call's task aborts it instead of deriving a second signal (an AbortSignal
   * costs ~6 µs to create on Node 20).
   */
  controller?: AbortController;
  /** `_meta` of the tools/call request (progress token, traceparent, federation hops…). */
  meta?: Record<string, unknown>;
  sessionId?: string;
  /** The caller runs in this process and shares its trace store (a delegating agent): no spans in the result. */
  inProcess?: boolean;
  /** Sends `notifications/progress` when the caller asked for progress. */
  progress?: (progress: number, message?: string) => void;
  /** Reports the call's current step (attempt, turn, tool) with the progress. */
  step?: (step: CallStep) => void;
  /** The MCP task this call runs as (task-augmented tools/call). */
  task?: TaskRecord;
}

export type ToolHandler = (args: Record<string, unknown>, ctx: ToolCallContext) => Promise<CallToolResult>;

export type ToolKind = 'agent' | 'discovery' | 'remote';

export interface ToolEntry {
  kind: ToolKind;
  tool: Tool;
  handler: ToolHandler;
}

/**
 * The tools one AopServer offers, shared by all its sessions: agents, discovery tools and
 * re-exported remote tools. `tools/list` is served from a cached array rebuilt only on change.
 */
export class ToolRegistry extends EventEmitter {
  private readonly entries = new Map<string, ToolEntry>();
  private listCache?: Tool[];
  private changePending = false;

  get size(): number {
    return this.entries.size;
  }

  get(name: string): ToolEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(kind?: ToolKind): string[] {
    const out: string[] = [];
    for (const [name, e] of this.entries) if (!kind || e.kind === kind) out.push(name);
    return out;
  }

  set(entry: ToolEntry): void {
    this.entries.set(entry.tool.name, entry);
    this.changed();
  }

  delete(name: string): boolean {
    const had = this.entries.delete(name);
    if (had) this.changed();
    return had;
  }

  list(): Tool[] {
    this.listCache ??= [...this.entries.values()].map((e) => e.tool);
    return this.listCache;
  }

  /** Coalesces many changes in one tick into one `changed` event (one list_changed per batch). */
  private changed(): void {
    this.listCache = undefined;
    if (this.changePending) return;
    this.changePending = true;
    queueMicrotask(() => {
      this.changePending = false;
      this.emit('changed');
    });
  }
}

/**
 * A tool of a federated cluster as the local server knows it: exported as a tool of its own
 * (within the chat budget) or reachable only through `call_agent` / `search_agents`.
 */
export interface RemoteToolRef {
  /** Qualified name `<alias>__<tool>` (also the exported tool name when exported). */
  name: string;
  /** Name of the tool on the remote servers. */
  remoteName: string;
  cluster: string;
  description: string;
  tags: string[];
  capabilities: string[];
  model?: string;
  exported: boolean;
  handler: ToolHandler;
}
