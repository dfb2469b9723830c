/** The task records moved to `src/core/tasks` (one store for swarms-style and MCP tasks). */
export { TaskStore as TaskTracker, type TaskRecord, type TaskStatus } from '../tasks/store';
