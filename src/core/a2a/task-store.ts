import { TaskState, type ListTasksRequest, type ListTasksResponse, type Task } from '@a2a-js/sdk';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';

let terminal: Set<TaskState> | undefined;

export function isTerminal(state: TaskState | undefined): boolean {
  // built on first use: bundled, the A2A SDK loads on its first use (esbuild.mjs)
  terminal ??= new Set<TaskState>([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);
  return state !== undefined && terminal.has(state);
}

/**
 * Where the A2A tasks of one server live. It is the SDK's own `TaskStore` contract, plus the
 * agent each task belongs to (one server, many agents). `BoundedA2aTaskStore` is the in-memory
 * default; pointing A2A at a shared task store means implementing these three methods on it.
 */
export interface A2aTaskStore {
  save(agent: string, task: Task): Promise<void>;
  load(agent: string, taskId: string): Promise<Task | undefined>;
  list(agent: string, params: ListTasksRequest): Promise<ListTasksResponse>;
}

/** The SDK `TaskStore` view of one agent's tasks (what `DefaultRequestHandler` takes). */
export function agentTaskStore(store: A2aTaskStore, agent: string): TaskStore {
  return {
    save: (task: Task, _ctx: ServerCallContext) => store.save(agent, task),
    load: (taskId: string, _ctx: ServerCallContext) => store.load(agent, taskId),
    list: (params: ListTasksRequest, _ctx: ServerCallContext) => store.list(agent, params),
  };
}

export interface BoundedStoreOptions {
  /** Most tasks kept (finished ones are dropped first, oldest first). Default 1,000. */
  maxTasks?: number;
  /** Most messages of history kept per task. Default 20. */
  maxHistory?: number;
}

/**
 * In-memory A2A tasks with bounds: at most `maxTasks` tasks (the oldest finished ones go first;
 * running ones are never dropped while a finished one is left) and `maxHistory` messages each.
 * Tasks are cloned on the way in and out, as the SDK's own store does.
 */
export class BoundedA2aTaskStore implements A2aTaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly maxTasks: number;
  private readonly maxHistory: number;

  constructor(opts: BoundedStoreOptions = {}) {
    this.maxTasks = opts.maxTasks ?? 1000;
    this.maxHistory = opts.maxHistory ?? 20;
  }

  get size(): number {
    return this.tasks.size;
  }

  async save(agent: string, task: Task): Promise<void> {
    const key = `${agent}\u0000${task.id}`;
    const copy = structuredClone(task);
    if (copy.history.length > this.maxHistory) copy.history = copy.history.slice(-this.maxHistory);
    this.tasks.delete(key); // re-insert: Map order = last write
    this.tasks.set(key, copy);
    if (this.tasks.size > this.maxTasks) this.evict();
  }

  async load(agent: string, taskId: string): Promise<Task | undefined> {
    const t = this.tasks.get(`${agent}\u0000${taskId}`);
    return t ? structuredClone(t) : undefined;
  }

  async list(agent: string, params: ListTasksRequest): Promise<ListTasksResponse> {
    const prefix = `${agent}\u0000`;
    let all: Task[] = [];
    for (const [k, t] of this.tasks) if (k.startsWith(prefix)) all.push(t);
    all.reverse(); // newest first
    if (params.contextId) all = all.filter((t) => t.contextId === params.contextId);
    if (params.status) all = all.filter((t) => t.status?.state === params.status);
    const pageSize = Math.min(Math.max(params.pageSize ?? 50, 1), 100);
    const start = params.pageToken ? Math.max(0, all.findIndex((t) => t.id === params.pageToken) + 1) : 0;
    const page = all.slice(start, start + pageSize).map((t) => {
      const c = structuredClone(t);
      if (!params.includeArtifacts) c.artifacts = [];
      if (params.historyLength !== undefined) c.history = params.historyLength > 0 ? c.history.slice(-params.historyLength) : [];
      return c;
    });
    const more = start + pageSize < all.length;
    return { tasks: page, nextPageToken: more ? page[page.length - 1].id : '', pageSize, totalSize: all.length };
  }

  private evict(): void {
    for (const [k, t] of this.tasks) {
      if (this.tasks.size <= this.maxTasks) return;
      if (isTerminal(t.status?.state)) this.tasks.delete(k);
    }
    // Only running tasks left past the bound: drop the oldest all the same (memory wins).
    for (const k of this.tasks.keys()) {
      if (this.tasks.size <= this.maxTasks) return;
      this.tasks.delete(k);
    }
  }
}
