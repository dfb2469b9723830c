import type { AgentSourceKind, ProviderKind, Severity } from './definition';
import type { SourceRange } from './source-text';

export interface ParseAgentOptions {
  /** File format: our own `*.agent.md` (default), a VS Code custom agent or a Claude Code subagent. */
  kind?: AgentSourceKind;
  /** Workspace folder holding the file; part of the stable id. */
  root?: string;
  /** Provider when the file names none and has neither `command` nor `base_url`. Default `editor`. */
  defaultProvider?: ProviderKind;
}

/** A path into the front matter values (`['tools', 2]`). */
export type Path = readonly PropertyKey[];

/** What the parts of the agent-file parser share: the file, its format, and where findings go. */
export interface ParseContext {
  readonly file: string;
  readonly kind: AgentSourceKind;
  report(severity: Severity, code: string, message: string, range: SourceRange, fix?: string): void;
  /** Where the value at `path` is written (or the closest enclosing node, or the header line). */
  pathRange(path: Path): SourceRange;
  /** Where a key is written (or the header line). */
  keyRange(key: string): SourceRange;
}

/**
 * A copy without the keys whose value is undefined (definitions and diagnostics stay small and
 * comparable). A copy, not `delete`: deleting a property turns an object into a slow dictionary,
 * and definitions are read on every call.
 */
export function withoutUndefined<T extends object>(value: T): T {
  const copy = {} as T;
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) copy[key] = value[key];
  return copy;
}
