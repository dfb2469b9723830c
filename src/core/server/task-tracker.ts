import { randomUUID } from 'node:crypto';

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface TaskRecord {
  taskId: string;
  agentName: string;
  status: TaskStatus;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  error?: string;
  /** First characters of the result, for get_task_status. */
  resultPreview?: string;
  controller: AbortController;
}

/**
 * Every agent call is a task with an id (returned in the result's `_meta`), so swarms-style
 * clients can ask `get_task_status` and `cancel_task`. Keeps the newest `limit` records.
 */
export class TaskTracker {
  private readonly records = new Map<string, TaskRecord>();

  constructor(private readonly limit = 1000) {}

  /** A task for a call; its controller aborts when `parent` does or when cancel() is called. */
  start(agentName: string, parent: AbortSignal): TaskRecord {
    const controller = new AbortController();
    if (parent.aborted) controller.abort();
    else parent.addEventListener('abort', () => controller.abort(), { once: true });
    const record: TaskRecord = {
      taskId: randomUUID(),
      agentName,
      status: 'pending',
      createdAt: Date.now(),
      controller,
    };
    this.records.set(record.taskId, record);
    if (this.records.size > this.limit) {
      for (const [id, r] of this.records) {
        if (this.records.size <= this.limit) break;
        if (r.status !== 'pending' && r.status !== 'processing') this.records.delete(id);
      }
    }
    return record;
  }

  processing(record: TaskRecord): void {
    if (record.status === 'pending') {
      record.status = 'processing';
      record.startedAt = Date.now();
    }
  }

  finish(record: TaskRecord, ok: boolean, text: string, error?: string): void {
    if (record.status === 'cancelled') return;
    record.status = ok ? 'completed' : record.controller.signal.aborted ? 'cancelled' : 'failed';
    record.completedAt = Date.now();
    record.resultPreview = text.slice(0, 200);
    record.error = error;
  }

  get(taskId: string): TaskRecord | undefined {
    return this.records.get(taskId);
  }

  /** Cancels a pending or running task; false when it is unknown or already finished. */
  cancel(taskId: string): boolean {
    const r = this.records.get(taskId);
    if (!r || (r.status !== 'pending' && r.status !== 'processing')) return false;
    r.status = 'cancelled';
    r.completedAt = Date.now();
    r.controller.abort();
    return true;
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }
}
