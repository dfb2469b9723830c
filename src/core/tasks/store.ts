import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import { TaskFiles, type StoredTask } from './persistence';
import type { TaskOwner, TaskStatus } from './task-owner';

export type { TaskOwner, TaskStatus } from './task-owner';

export interface TaskRecord {
  taskId: string;
  agentName: string;
  status: TaskStatus;
  createdAt: number;
  lastUpdatedAt: number;
  startedAt?: number;
  completedAt?: number;
  error?: string;
  /** First characters of the result, for get_task_status. */
  resultPreview?: string;
  controller: AbortController;
  /** An MCP task (task-augmented tools/call): listed, persisted, result kept for `ttl`. */
  mcp?: {
    owner: TaskOwner;
    ttl: number;
    pollInterval: number;
    statusMessage?: string;
    result?: CallToolResult;
    resultBytes: number;
  };
}

export interface TaskStoreOptions {
  /** Most records kept (finished ones are dropped oldest first). Default 1,000. */
  maxTasks?: number;
  /** Most bytes of kept MCP results (JSON). Default 64 MiB; a single result may use a quarter. */
  maxResultBytes?: number;
  /** ttl when the client asks for none (ms). Default 1 hour. */
  defaultTtlMs?: number;
  /** Longest ttl granted; longer (or unlimited) requests are clamped. Default 24 hours. */
  maxTtlMs?: number;
  /** Suggested polling interval (ms). Default 1,000. */
  pollIntervalMs?: number;
  /** A finished task is kept at least this long after it ends, even past its ttl (ms). Default 60 s. */
  minKeepAfterEndMs?: number;
  /** Tasks per tasks/list page. Default 50. */
  pageSize?: number;
  /** Directory for finished results (a server restart keeps them); none = memory only. */
  dir?: string;
  onError?: (err: unknown) => void;
}

const ACTIVE = new Set<TaskStatus>(['pending', 'processing']);
/** tasks/result requests waiting for one task, at most (a client that drops and re-asks in a loop is bounded). */
const MAX_WAITERS = 64;

export function isActive(r: TaskRecord): boolean {
  return ACTIVE.has(r.status);
}

/** The spec's Task object of a record. */
export function toMcpTask(r: TaskRecord): Task {
  const m = r.mcp;
  return {
    taskId: r.taskId,
    status: isActive(r) ? 'working' : r.status === 'completed' ? 'completed' : r.status === 'cancelled' ? 'cancelled' : 'failed',
    createdAt: new Date(r.createdAt).toISOString(),
    lastUpdatedAt: new Date(r.lastUpdatedAt).toISOString(),
    ttl: m?.ttl ?? null,
    ...(m ? { pollInterval: m.pollInterval } : {}),
    ...(m?.statusMessage ? { statusMessage: m.statusMessage } : r.error ? { statusMessage: r.error } : {}),
  };
}

export function visibleTo(r: TaskRecord, who: TaskOwner): boolean {
  const o = r.mcp?.owner;
  if (!o) return false;
  if (o.principal !== undefined && o.principal === who.principal) return true;
  return o.session !== undefined && o.session === who.session;
}

/**
 * One source of truth for calls: every agent call is a record (swarms' get_task_status /
 * cancel_task read it), and task-augmented tools/calls (MCP Tasks, spec 2025-11-25) are records
 * with an owner, a ttl and a kept result. Bounded by count and result bytes; finished MCP tasks
 * are written to `dir` so a restarted server still answers them, and tasks that were running
 * when the previous server stopped come back as `failed` ("server restarted").
 *
 * Events: `status` (record) whenever a record changes state; `settled` (record) when an MCP
 * task has its final result.
 */
export class TaskStore extends EventEmitter {
  private readonly records = new Map<string, TaskRecord>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly files?: TaskFiles;
  private resultBytes = 0;
  private closed = false;
  readonly maxTasks: number;
  readonly maxResultBytes: number;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly pollIntervalMs: number;
  readonly pageSize: number;
  private readonly minKeepMs: number;

  constructor(options: TaskStoreOptions | number = {}) {
    super();
    this.setMaxListeners(0);
    const o = typeof options === 'number' ? { maxTasks: options } : options;
    this.maxTasks = o.maxTasks ?? 1000;
    this.maxResultBytes = o.maxResultBytes ?? 64 * 1024 * 1024;
    this.defaultTtlMs = o.defaultTtlMs ?? 60 * 60_000;
    this.maxTtlMs = o.maxTtlMs ?? 24 * 60 * 60_000;
    this.pollIntervalMs = o.pollIntervalMs ?? 1000;
    this.pageSize = Math.max(1, o.pageSize ?? 50);
    this.minKeepMs = o.minKeepAfterEndMs ?? 60_000;
    if (o.dir) this.files = new TaskFiles(o.dir, o.onError);
  }

  /** Loads the tasks a previous server left in `dir` (finished ones as they were, running ones as failed). */
  async load(): Promise<void> {
    if (!this.files) return;
    for (const s of await this.files.loadAll()) {
      if (this.records.has(s.taskId)) continue;
      const r = fromStored(s);
      if (this.expired(r, Date.now())) {
        this.files.remove(r.taskId);
        continue;
      }
      if (s.status === 'pending' || s.status === 'processing') {
        r.status = 'failed';
        r.error = 'server restarted';
        r.mcp!.statusMessage = 'server restarted';
        r.completedAt = r.lastUpdatedAt = Date.now();
        r.mcp!.result = failedResult('server restarted: the call was running when the previous server stopped');
        this.files.write(toStored(r, true));
      }
      this.records.set(r.taskId, r);
      this.resultBytes += r.mcp!.resultBytes;
    }
    this.evict();
  }

  /** A record for a plain (blocking) call; its controller aborts when `parent` does or on cancel(). */
  start(agentName: string, parent: AbortSignal, own?: AbortController): TaskRecord {
    let controller = own;
    if (!controller) {
      const derived = new AbortController();
      if (parent.aborted) derived.abort();
      else parent.addEventListener('abort', () => derived.abort(), { once: true });
      controller = derived;
    }
    const now = Date.now();
    const record: TaskRecord = { taskId: randomUUID(), agentName, status: 'pending', createdAt: now, lastUpdatedAt: now, controller };
    this.add(record);
    return record;
  }

  /** Clamps a requested ttl to the server's bounds (undefined → default, null/too long → max). */
  clampTtl(requested: number | null | undefined): number {
    if (requested === undefined) return Math.min(this.defaultTtlMs, this.maxTtlMs);
    if (requested === null || !Number.isFinite(requested)) return this.maxTtlMs;
    return Math.max(1000, Math.min(Math.floor(requested), this.maxTtlMs));
  }

  /**
   * A task-augmented call: not tied to the request's signal (a dropped connection is not a
   * cancel). Throws when `maxTasks` tasks are all still running.
   */
  create(tool: string, owner: TaskOwner, ttl: number | null | undefined): TaskRecord {
    this.sweep();
    let active = 0;
    for (const r of this.records.values()) if (isActive(r)) active++;
    if (active >= this.maxTasks) throw new Error(`too many tasks running (${active}, the limit is ${this.maxTasks}); try again later`);
    const now = Date.now();
    const record: TaskRecord = {
      taskId: randomUUID(),
      agentName: tool,
      status: 'pending',
      createdAt: now,
      lastUpdatedAt: now,
      controller: new AbortController(),
      mcp: { owner, ttl: this.clampTtl(ttl), pollInterval: this.pollIntervalMs, resultBytes: 0 },
    };
    this.add(record);
    this.files?.write(toStored(record, false));
    return record;
  }

  processing(record: TaskRecord): void {
    if (record.status === 'pending') {
      record.status = 'processing';
      record.startedAt = record.lastUpdatedAt = Date.now();
      this.emit('status', record);
    }
  }

  /** The agent's own outcome (swarms view). MCP tasks get their final state from settle(). */
  finish(record: TaskRecord, ok: boolean, text: string, error?: string): void {
    if (record.status === 'cancelled') return;
    record.status = ok ? 'completed' : record.controller.signal.aborted ? 'cancelled' : 'failed';
    record.completedAt = record.lastUpdatedAt = Date.now();
    record.resultPreview = text.slice(0, 200);
    record.error = error;
    if (!record.mcp) this.emit('status', record);
  }

  /** Stores an MCP task's final result (kept for its ttl, within the byte budget) and wakes waiters. */
  settle(record: TaskRecord, result: CallToolResult): void {
    const m = record.mcp;
    if (!m || m.result) return;
    if (isActive(record)) {
      record.status = result.isError ? 'failed' : 'completed';
      record.completedAt = Date.now();
    }
    record.lastUpdatedAt = Date.now();
    if (record.status === 'failed') m.statusMessage ??= record.error ?? firstText(result) ?? 'the call failed';
    let bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > this.maxResultBytes / 4) {
      result = failedResult(`the result was too large to keep (${bytes} bytes; the limit is ${Math.floor(this.maxResultBytes / 4)})`);
      bytes = Buffer.byteLength(JSON.stringify(result));
    }
    m.result = result;
    m.resultBytes = bytes;
    this.resultBytes += bytes;
    if (!this.closed) this.files?.write(toStored(record, true));
    this.evict();
    this.emit('status', record);
    this.emit('settled', record);
    this.wake(record.taskId);
  }

  get(taskId: string): TaskRecord | undefined {
    const r = this.records.get(taskId);
    if (r && this.expired(r, Date.now())) {
      this.drop(r);
      return undefined;
    }
    return r;
  }

  /** An MCP task the caller may see (unknown, expired and other callers' tasks look the same: undefined). */
  getFor(taskId: unknown, who: TaskOwner): TaskRecord | undefined {
    if (typeof taskId !== 'string') return undefined;
    const r = this.get(taskId);
    return r && visibleTo(r, who) ? r : undefined;
  }

  /** Cancels a pending or running task; false when it is unknown or already finished. */
  cancel(taskId: string, message = 'cancelled by the client'): boolean {
    const r = this.records.get(taskId);
    if (!r || !isActive(r)) return false;
    r.status = 'cancelled';
    r.completedAt = r.lastUpdatedAt = Date.now();
    r.controller.abort();
    if (r.mcp) {
      r.mcp.statusMessage = message;
      this.settle(r, failedResult(`the call was cancelled (${message})`));
    } else this.emit('status', r);
    return true;
  }

  /** Resolves when the task has its final result (or `signal` aborts). */
  async waitForResult(record: TaskRecord, signal?: AbortSignal): Promise<void> {
    if (record.mcp?.result || !record.mcp) return;
    const waiting = this.waiters.get(record.taskId)?.length ?? 0;
    if (waiting >= MAX_WAITERS) throw new Error(`too many requests are waiting for task ${record.taskId} (${waiting}); poll with tasks/get`);
    await new Promise<void>((resolve, reject) => {
      const list = this.waiters.get(record.taskId) ?? [];
      const onAbort = () => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      list.push(done);
      this.waiters.set(record.taskId, list);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many tasks/result requests are waiting for this task right now. */
  waiting(taskId: string): number {
    return this.waiters.get(taskId)?.length ?? 0;
  }

  /** The caller's MCP tasks, newest first, `pageSize` per page; the cursor is opaque. */
  list(who: TaskOwner, cursor: string | undefined, pageSize = this.pageSize): { tasks: TaskRecord[]; nextCursor?: string } {
    this.sweep();
    const mine = [...this.records.values()].filter((r) => visibleTo(r, who)).reverse();
    let start = 0;
    if (cursor !== undefined) {
      const after = decodeCursor(cursor);
      if (after === undefined) throw new Error('invalid cursor');
      const i = mine.findIndex((r) => r.taskId === after);
      if (i < 0) throw new Error('invalid cursor: the task it points at has expired; list again from the start');
      start = i + 1;
    }
    const page = mine.slice(start, start + pageSize);
    const more = start + pageSize < mine.length;
    return { tasks: page, ...(more ? { nextCursor: encodeCursor(page[page.length - 1].taskId) } : {}) };
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }

  /** Running tasks per tool (for views of what is in flight). */
  running(): TaskRecord[] {
    return this.all().filter(isActive);
  }

  /** Waits for pending result files to be written. */
  async flush(): Promise<void> {
    await this.files?.flush();
  }

  /**
   * Stops the store: running tasks are aborted (their files stay `working`, so the next store on
   * this directory reports them as failed "server restarted") and pending writes finish.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.records.values()) if (isActive(r) && r.mcp) r.controller.abort();
    await this.files?.flush();
    this.files?.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private add(record: TaskRecord): void {
    this.records.set(record.taskId, record);
    this.evict();
  }

  private expired(r: TaskRecord, now: number): boolean {
    if (!r.mcp || isActive(r)) return false;
    const end = r.completedAt ?? r.lastUpdatedAt;
    return now > Math.max(r.createdAt + r.mcp.ttl, end + Math.min(this.minKeepMs, r.mcp.ttl));
  }

  private sweep(): void {
    const now = Date.now();
    for (const r of this.records.values()) if (this.expired(r, now)) this.drop(r);
  }

  /** Drops finished records, oldest first, past the count or byte budget. */
  private evict(): void {
    if (this.records.size <= this.maxTasks && this.resultBytes <= this.maxResultBytes) return;
    for (const r of this.records.values()) {
      if (this.records.size <= this.maxTasks && this.resultBytes <= this.maxResultBytes) break;
      if (!isActive(r)) this.drop(r);
    }
  }

  private drop(r: TaskRecord): void {
    this.records.delete(r.taskId);
    if (r.mcp) {
      this.resultBytes -= r.mcp.resultBytes;
      if (!this.closed) this.files?.remove(r.taskId);
    }
    this.wake(r.taskId);
  }

  private wake(taskId: string): void {
    const list = this.waiters.get(taskId);
    if (!list) return;
    this.waiters.delete(taskId);
    for (const w of list) w();
  }
}

export function failedResult(message: string): CallToolResult {
  return {
    content: [{ type: 'text', text: message }],
    structuredContent: { result: '', success: false, error: message },
    isError: true,
  };
}

function firstText(r: CallToolResult): string | undefined {
  const s = r.structuredContent as { error?: unknown } | undefined;
  if (typeof s?.error === 'string' && s.error) return s.error;
  const c = r.content?.find((x) => x.type === 'text') as { text?: string } | undefined;
  return c?.text?.slice(0, 500);
}

function encodeCursor(taskId: string): string {
  return Buffer.from(taskId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  if (typeof cursor !== 'string' || cursor.length > 200) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
}

function toStored(r: TaskRecord, final: boolean): StoredTask {
  const m = r.mcp!;
  return {
    v: 1,
    taskId: r.taskId,
    tool: r.agentName,
    status: r.status,
    owner: m.owner,
    createdAt: r.createdAt,
    lastUpdatedAt: r.lastUpdatedAt,
    completedAt: r.completedAt,
    ttl: m.ttl,
    pollInterval: m.pollInterval,
    statusMessage: m.statusMessage,
    error: r.error,
    ...(final && m.result ? { result: m.result } : {}),
  };
}

function fromStored(s: StoredTask): TaskRecord {
  const controller = new AbortController();
  const text = s.result ? firstText(s.result) : undefined;
  return {
    taskId: s.taskId,
    agentName: s.tool,
    status: s.status,
    createdAt: s.createdAt,
    lastUpdatedAt: s.lastUpdatedAt,
    completedAt: s.completedAt,
    error: s.error,
    resultPreview: s.status === 'completed' ? (s.result?.structuredContent as { result?: string } | undefined)?.result?.slice(0, 200) ?? text : undefined,
    controller,
    mcp: {
      owner: s.owner,
      ttl: s.ttl,
      pollInterval: s.pollInterval,
      statusMessage: s.statusMessage,
      result: s.result,
      resultBytes: s.result ? Buffer.byteLength(JSON.stringify(s.result)) : 0,
    },
  };
}
