import { DiscoveryErrors, type CancelTaskResult, type TaskRecord, type TaskStatusInfo, type TaskStatusResult } from './wire-types';

export interface TaskLookup {
  /** Names of agents that own a queue. */
  agentNames: Iterable<string>;
  getTask(taskId: string): TaskRecord | undefined;
  queueEnabled?: boolean;
}

function taskStatusInfo(task: TaskRecord): TaskStatusInfo {
  return {
    task_id: task.task_id,
    status: task.status,
    created_at: task.created_at,
    result: task.result ?? null,
    error: task.error ?? null,
    retry_count: task.retry_count ?? 0,
    max_retries: task.max_retries ?? 0,
    priority: task.priority ?? 0,
  };
}

function hasAgent(names: Iterable<string>, name: string): boolean {
  for (const n of names) if (n === name) return true;
  return false;
}

/**
 * Finds the task for get_task_status / cancel_task, or the error the reference gives.
 * `agent_name`, when given, must name an agent with a queue and must own the task.
 */
export function resolveTask(
  lookup: TaskLookup,
  args: { task_id: string; agent_name?: string | null },
): { task: TaskRecord } | { error: string } {
  if (lookup.queueEnabled === false) return { error: DiscoveryErrors.queueDisabled };
  if (args.agent_name && !hasAgent(lookup.agentNames, args.agent_name)) {
    return { error: DiscoveryErrors.agentHasNoQueue(args.agent_name) };
  }
  const task = lookup.getTask(args.task_id);
  if (!task || (args.agent_name && task.agent_name !== args.agent_name)) {
    return { error: DiscoveryErrors.taskNotFound(args.task_id) };
  }
  return { task };
}

export function taskStatusResult(
  lookup: TaskLookup,
  args: { task_id: string; agent_name?: string | null },
): TaskStatusResult {
  const found = resolveTask(lookup, args);
  if ('error' in found) return { success: false, error: found.error, task: null };
  return { success: true, task: taskStatusInfo(found.task) };
}

/** Envelope of cancel_task, given whether the cancellation happened. */
export function cancelTaskResult(taskId: string, cancelled: boolean): CancelTaskResult {
  return {
    success: cancelled,
    message: `Task '${taskId}' ${cancelled ? 'cancelled' : 'not found or already processed'}`,
  };
}
