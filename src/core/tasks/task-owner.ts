/** Swarms-style status (get_task_status); the MCP status is derived from it (see `mcpStatus`). */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** Who may see a task: the MCP session that created it, and the authenticated principal (token) if any. */
export interface TaskOwner {
  session?: string;
  principal?: string;
}
