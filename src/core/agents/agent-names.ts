import type { AgentDefinition, AgentDiagnostic } from './definition';
import type { SourceRange } from './source-text';

/**
 * The finding for a file whose agent name is taken (by `owner`, the first file by path, or by the host
 * when undefined). The catalog and the language server report the same thing.
 */
export function duplicateNameDiagnostic(file: string, name: string, nameRange: SourceRange | undefined, owner?: string): AgentDiagnostic {
  const where = owner ? `in ${owner}` : 'by the host';
  return {
    file,
    ...(nameRange ?? { line: 1, column: 1, endLine: 1, endColumn: 1 }),
    severity: 'error',
    message: `the name \`${name}\` is already used ${where}; this agent is skipped`,
    code: 'duplicate-name',
  };
}

export interface NamedFile {
  agent?: AgentDefinition;
  nameRange?: SourceRange;
}

export interface NameResolution {
  /** Each name's agent: the first file by path that defines it. */
  winners: Map<string, { file: string; agent: AgentDefinition }>;
  /** Every other file defining a taken name, with its `duplicate-name` finding. */
  duplicates: Map<string, AgentDiagnostic>;
}

/**
 * Who gets each agent name: names in `taken` (the host's own agents) first, then the first file by
 * path. One rule for the catalog (what is served) and the language server (what is underlined).
 */
export function resolveAgentNames(files: ReadonlyMap<string, NamedFile>, taken: ReadonlySet<string> = new Set()): NameResolution {
  const winners = new Map<string, { file: string; agent: AgentDefinition }>();
  const duplicates = new Map<string, AgentDiagnostic>();
  for (const file of [...files.keys()].sort()) {
    const { agent, nameRange } = files.get(file)!;
    if (!agent) continue;
    const owner = winners.get(agent.name);
    if (owner || taken.has(agent.name)) duplicates.set(file, duplicateNameDiagnostic(file, agent.name, nameRange, owner?.file));
    else winners.set(agent.name, { file, agent });
  }
  return { winners, duplicates };
}
